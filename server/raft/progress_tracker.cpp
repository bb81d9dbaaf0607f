#include "server/raft/progress_tracker.hpp"

#include <algorithm>

#include "server/common/check.hpp"

namespace coord::raft {

void ProgressTracker::reset_config(const std::vector<NodeId>& voters, std::uint64_t next) {
  voters_.clear();
  progress_.clear();
  for (NodeId id : voters) add_voter(id, next);
}

void ProgressTracker::add_voter(NodeId id, std::uint64_t next) {
  COORD_CHECK(id != kNoNode, "voter id 0");
  auto it = std::lower_bound(voters_.begin(), voters_.end(), id);
  if (it != voters_.end() && *it == id) return;
  voters_.insert(it, id);
  Progress pr(next, max_inflight_);
  // A new member is presumed reachable, so a snapshot may be sent to it straight away.
  pr.recent_active = true;
  progress_.emplace(id, std::move(pr));
}

void ProgressTracker::remove_voter(NodeId id) {
  auto it = std::lower_bound(voters_.begin(), voters_.end(), id);
  if (it == voters_.end() || *it != id) return;
  voters_.erase(it);
  progress_.erase(id);
  votes_.erase(id);
}

bool ProgressTracker::is_voter(NodeId id) const {
  return std::binary_search(voters_.begin(), voters_.end(), id);
}

Progress* ProgressTracker::progress(NodeId id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

std::uint64_t ProgressTracker::committed() const {
  if (voters_.empty()) return 0;
  // Small clusters: a fixed array avoids allocating on every commit check.
  std::uint64_t buf[16];
  std::vector<std::uint64_t> heap;
  std::uint64_t* m = buf;
  if (voters_.size() > 16) {
    heap.resize(voters_.size());
    m = heap.data();
  }
  std::size_t n = 0;
  for (const auto& [id, pr] : progress_) m[n++] = pr.match;
  std::sort(m, m + n, std::greater<>());
  return m[quorum() - 1];
}

bool ProgressTracker::quorum_active(NodeId self) const {
  std::size_t active = 0;
  for (const auto& [id, pr] : progress_) {
    if (id == self || pr.recent_active) ++active;
  }
  return active >= quorum();
}

void ProgressTracker::record_vote(NodeId id, bool granted) {
  if (!is_voter(id)) return;
  votes_.emplace(id, granted);  // the first answer from a voter counts
}

VoteResult ProgressTracker::tally(std::size_t* granted, std::size_t* rejected) const {
  std::size_t g = 0, r = 0;
  for (const auto& [id, v] : votes_) (v ? g : r)++;
  if (granted) *granted = g;
  if (rejected) *rejected = r;
  if (g >= quorum()) return VoteResult::kWon;
  if (r + quorum() > voters_.size()) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace coord::raft
