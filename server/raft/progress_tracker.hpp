// ProgressTracker: the membership in force (voters), the leader's Progress for each member,
// and the votes collected in an election. Answers the quorum questions: which index is
// replicated on a majority, did we win the vote, is a majority still in touch. Internal to the
// Raft core; call only inside a round (server/README.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "server/raft/progress.hpp"
#include "server/raft/types.hpp"

namespace coord::raft {

enum class VoteResult { kPending, kWon, kLost };

class ProgressTracker {
 public:
  explicit ProgressTracker(std::size_t max_inflight) : max_inflight_(max_inflight) {}

  // Replaces the membership (e.g. from a snapshot); progress entries start at next.
  void reset_config(const std::vector<NodeId>& voters, std::uint64_t next);
  void add_voter(NodeId id, std::uint64_t next);
  void remove_voter(NodeId id);
  bool is_voter(NodeId id) const;
  const std::vector<NodeId>& voters() const { return voters_; }
  ConfState conf_state() const { return ConfState{voters_}; }
  std::size_t quorum() const { return voters_.size() / 2 + 1; }

  Progress* progress(NodeId id);
  std::map<NodeId, Progress>& all() { return progress_; }
  const std::map<NodeId, Progress>& all() const { return progress_; }

  // The largest index replicated on a quorum of voters (by match).
  std::uint64_t committed() const;
  // True when a quorum of voters has been recently active.
  bool quorum_active(NodeId self) const;

  void reset_votes() { votes_.clear(); }
  void record_vote(NodeId id, bool granted);
  VoteResult tally(std::size_t* granted = nullptr, std::size_t* rejected = nullptr) const;

 private:
  std::size_t max_inflight_;
  // Invariant: voters_ is sorted and unique, and progress_ has exactly one entry per voter.
  std::vector<NodeId> voters_;
  std::map<NodeId, Progress> progress_;
  std::map<NodeId, bool> votes_;
};

}  // namespace coord::raft
