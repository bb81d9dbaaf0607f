// LoneNode: one RawNode over its own MemoryStorage whose Readies are handled like the raft loop
// does, with outgoing messages handed back to the test instead of a network. For unit tests
// that script a peer's messages by hand. Single-threaded.
#pragma once

#include <memory>
#include <vector>

#include "server/raft/memory_storage.hpp"
#include "server/raft/raw_node.hpp"
#include "test/support/raft/print.hpp"

namespace coord::raft::test {

class LoneNode {
 public:
  explicit LoneNode(NodeId id, std::vector<NodeId> voters, std::uint64_t seed = 1,
                    bool pre_vote = false, bool check_quorum = false) {
    config.id = id;
    config.seed = seed;
    config.pre_vote = pre_vote;
    config.check_quorum = check_quorum;
    config.storage = &storage;
    node = std::make_unique<RawNode>(config);
    if (!voters.empty()) (void)node->bootstrap(voters);
    drain();
  }

  // Handles every pending Ready; returns the messages it sent.
  std::vector<Message> drain() {
    std::vector<Message> out;
    while (node->has_ready()) {
      Ready rd = node->ready();
      if (!rd.snapshot.empty()) (void)storage.apply_snapshot(rd.snapshot);
      if (rd.hard_state) storage.set_hard_state(*rd.hard_state);
      (void)storage.append(rd.entries);
      for (auto& m : rd.messages) out.push_back(m);
      for (const auto& e : rd.committed_entries) committed.push_back(e);
      for (const auto& r : rd.read_states) read_states.push_back(r);
      node->advance(rd);
    }
    return out;
  }

  // Steps a message and returns what the node sent in answer.
  std::vector<Message> step(const Message& m) {
    last_status = node->step(m);
    return drain();
  }

  MemoryStorage storage;
  Config config;
  std::unique_ptr<RawNode> node;
  std::vector<Entry> committed;
  std::vector<ReadState> read_states;
  Status last_status;
};

inline std::vector<Message> of_type(const std::vector<Message>& ms, MessageType t) {
  std::vector<Message> out;
  for (const auto& m : ms) {
    if (m.type == t) out.push_back(m);
  }
  return out;
}

inline Message msg(MessageType type, NodeId from, NodeId to, std::uint64_t term) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

}  // namespace coord::raft::test
