#include "server/raft/progress.hpp"

#include <algorithm>

#include "server/common/check.hpp"

namespace coord::raft {

void Inflights::add(std::uint64_t last_index) {
  COORD_CHECK(!full(), "adding to a full in-flight window");
  std::size_t pos = (start_ + count_) % capacity_;
  if (ring_.size() < capacity_ && pos >= ring_.size()) {
    // Grow lazily; while growing, the ring has never wrapped, so pos == ring_.size().
    ring_.push_back(last_index);
  } else {
    ring_[pos] = last_index;
  }
  ++count_;
}

void Inflights::free_le(std::uint64_t to) {
  if (count_ == 0) return;
  std::size_t freed = 0;
  std::size_t idx = start_;
  while (freed < count_ && ring_[idx] <= to) {
    ++freed;
    idx = (idx + 1) % capacity_;
  }
  count_ -= freed;
  start_ = count_ == 0 ? 0 : idx;
}

void Inflights::free_first_one() {
  if (count_ == 0) return;
  free_le(ring_[start_]);
}

void Progress::become_probe() {
  // Coming back from a snapshot, resume after it: the follower has at least that much.
  if (state == ProgressState::kSnapshot) {
    std::uint64_t pending = pending_snapshot;
    state = ProgressState::kProbe;
    next = std::max(match + 1, pending + 1);
  } else {
    state = ProgressState::kProbe;
    next = match + 1;
  }
  probe_sent = false;
  pending_snapshot = 0;
  inflights.reset();
}

void Progress::become_replicate() {
  state = ProgressState::kReplicate;
  next = match + 1;
  probe_sent = false;
  pending_snapshot = 0;
  inflights.reset();
}

void Progress::become_snapshot(std::uint64_t snapshot_index) {
  state = ProgressState::kSnapshot;
  probe_sent = false;
  pending_snapshot = snapshot_index;
  inflights.reset();
}

bool Progress::maybe_update(std::uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::maybe_decr_to(std::uint64_t rejected, std::uint64_t match_hint) {
  if (state == ProgressState::kReplicate) {
    // A rejection below our match is stale: that append was already accepted.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probe: only the rejection of the last probe (at next - 1) counts.
  if (next == 0 || next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), std::uint64_t{1});
  next = std::max(next, match + 1);
  probe_sent = false;
  return true;
}

bool Progress::is_paused() const {
  switch (state) {
    case ProgressState::kProbe: return probe_sent;
    case ProgressState::kReplicate: return inflights.full();
    case ProgressState::kSnapshot: return true;
  }
  return true;
}

}  // namespace coord::raft
