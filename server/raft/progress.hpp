// Progress: the leader's view of one member's log (match/next, Raft Figure 2) and the flow
// control state that decides how eagerly to send to it: probe (one append per heartbeat until
// the match is found), replicate (pipelined appends within an in-flight window), snapshot
// (waiting for a snapshot to land). Internal to the Raft core; call only inside a round
// (server/README.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "server/raft/raw_node.hpp"

namespace coord::raft {

// A bounded FIFO of the last indexes of append messages in flight to one follower.
class Inflights {
 public:
  explicit Inflights(std::size_t capacity) : capacity_(capacity) {}

  void add(std::uint64_t last_index);
  // Frees every message whose last index is <= to (the follower acknowledged up to `to`).
  void free_le(std::uint64_t to);
  void free_first_one();
  bool full() const { return count_ == capacity_; }
  std::size_t count() const { return count_; }
  void reset() { count_ = 0; start_ = 0; }

 private:
  // Invariant: count_ <= capacity_; the ring holds indexes in ascending order.
  std::size_t capacity_;
  std::size_t start_ = 0;
  std::size_t count_ = 0;
  std::vector<std::uint64_t> ring_;  // grown lazily up to capacity_
};

class Progress {
 public:
  Progress(std::uint64_t next, std::size_t max_inflight) : next(next), inflights(max_inflight) {}

  void become_probe();
  void become_replicate();
  void become_snapshot(std::uint64_t snapshot_index);
  // An acknowledgement up to n arrived; returns false if it is stale.
  bool maybe_update(std::uint64_t n);
  // Pipelining: assume the append up to n will succeed.
  void optimistic_update(std::uint64_t n) { next = n + 1; }
  // A rejection of the append at `rejected` arrived, with the follower's hint; returns false if
  // the rejection is stale (out of order).
  bool maybe_decr_to(std::uint64_t rejected, std::uint64_t match_hint);
  bool is_paused() const;

  // Invariant: match < next.
  std::uint64_t match = 0;
  std::uint64_t next;
  ProgressState state = ProgressState::kProbe;
  // Probe state: an append was sent; wait for its answer or the next heartbeat response.
  bool probe_sent = false;
  std::uint64_t pending_snapshot = 0;
  // Heard from within the current election period (check-quorum).
  bool recent_active = false;
  Inflights inflights;
};

}  // namespace coord::raft
