// ReadOnly: the leader's queue of ReadIndex requests waiting for their leadership check
// (Raft thesis §6.4). Reads that arrive between two heartbeat rounds share one round: the round
// carries the context of the newest read, and a quorum of acknowledgements for it confirms
// every read queued before it. Internal to the Raft core; call only inside a round
// (server/README.md).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/raft/types.hpp"

namespace coord::raft {

struct ReadRequest {
  std::uint64_t index = 0;  // the leader's commit index when the read arrived
  NodeId from = kNoNode;    // who asked (the leader itself, or a follower that forwarded it)
  std::string context;
};

class ReadOnly {
 public:
  // Queues a read at `index`. Duplicate contexts are ignored.
  void add_request(std::uint64_t index, NodeId from, std::string context);
  // Records that `from` acknowledged the heartbeat round carrying `context`; returns how many
  // distinct members (self included) acknowledged it so far, 0 if the context is unknown.
  std::size_t recv_ack(NodeId self, NodeId from, const std::string& context);
  // Releases every read queued up to and including `context`, oldest first.
  std::vector<ReadRequest> advance(const std::string& context);
  // The context of the newest queued read ("" if none): the one a heartbeat round carries.
  std::string last_pending_context() const;
  bool empty() const { return queue_.empty(); }
  std::size_t size() const { return queue_.size(); }
  void clear() { queue_.clear(); pending_.clear(); }

 private:
  struct Pending {
    ReadRequest req;
    std::set<NodeId> acks;
  };
  // Invariant: queue_ and pending_ hold the same contexts; queue_ in arrival order.
  std::map<std::string, Pending> pending_;
  std::deque<std::string> queue_;
};

}  // namespace coord::raft
