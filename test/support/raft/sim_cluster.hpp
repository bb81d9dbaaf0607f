// SimCluster: a deterministic in-memory Raft cluster for tests, the randomized simulation and
// the benchmark. Each node is a RawNode over a MemoryStorage that plays the role of its disk
// (only what a Ready told it to persist survives a crash); messages travel over a simulated
// network with per-link FIFO queues that can drop, cut links, isolate nodes and partition.
// Every delivery is followed by the node's Ready handling and by the safety invariants of
// the Raft paper (InvariantChecker), which throw InvariantViolation on failure.
// Single-threaded; randomness only from the seed.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "server/raft/memory_storage.hpp"
#include "server/raft/raw_node.hpp"
#include "test/support/raft/print.hpp"

namespace coord::raft::test {

struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

struct ClusterOptions {
  int size = 3;  // voters 1..size, bootstrapped
  std::uint64_t seed = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  int election_tick = 10;
  int heartbeat_tick = 1;
  std::size_t max_size_per_msg = 1 << 20;
  std::size_t max_inflight_msgs = 512;
  // Keep the applied entries' data per node (tests read them; the benchmark turns it off).
  bool record_applied = true;
  // Check invariants after every delivery (the benchmark turns it off).
  bool check_invariants = true;
  // Send every message through the binary codec (encode, decode, compare), as on the wire.
  bool wire_codec = true;
};

// The safety properties of Raft §5, checked incrementally as nodes persist and apply.
class InvariantChecker {
 public:
  // A node persisted `e`, whose predecessor in its log has term prev_term.
  void on_persist(NodeId node, const Entry& e, std::uint64_t prev_term);
  // A node persisted a hard state.
  void on_hard_state(NodeId node, const HardState& hs);
  // A node is leader at term (just elected; its log is persisted).
  void on_leader(NodeId node, std::uint64_t term, const MemoryStorage& log);
  // A leader of `term` advanced its commit index to `commit` (its log is persisted).
  void on_leader_commit(NodeId node, std::uint64_t term, std::uint64_t commit,
                        const MemoryStorage& log);
  // A node applied entry e and its state machine hash is now `hash`.
  void on_apply(NodeId node, const Entry& e, std::uint64_t hash);
  // A node installed a snapshot with this state hash.
  void on_snapshot(NodeId node, std::uint64_t index, std::uint64_t hash);
  std::uint64_t max_committed() const { return max_committed_; }

 private:
  std::map<std::uint64_t, NodeId> leader_of_term_;
  // (index, term) -> (data hash, previous entry's term): Log Matching.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::pair<std::uint64_t, std::uint64_t>> seen_;
  // index -> (term, data hash) of entries known committed.
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> committed_;
  // index -> term of the leader that first committed it (Leader Completeness applies to
  // leaders of later terms only: a stale candidate may still win an older term).
  std::map<std::uint64_t, std::uint64_t> commit_term_;
  std::uint64_t recorded_upto_ = 0;
  // index -> state machine hash after applying it (State Machine Safety).
  std::map<std::uint64_t, std::uint64_t> state_hash_;
  std::map<NodeId, std::uint64_t> last_commit_;
  std::uint64_t max_committed_ = 0;
};

struct SimNode {
  NodeId id = kNoNode;
  std::unique_ptr<MemoryStorage> storage;  // survives crashes: the node's disk
  std::unique_ptr<RawNode> raw;            // null while crashed
  // The state machine: a hash chain over applied entries (persisted only via snapshots).
  std::uint64_t applied = 0;
  std::uint64_t hash = 0;
  ConfState conf;
  std::vector<std::string> applied_data;  // non-empty normal entries applied since start
  std::vector<ReadState> read_states;     // released reads since start
  std::vector<std::pair<std::uint64_t, std::string>> pending_reads;  // waiting for apply
  std::uint64_t last_leader_term = 0;
};

class SimCluster {
 public:
  explicit SimCluster(ClusterOptions options);

  RawNode& raw(NodeId id);
  SimNode& node(NodeId id);
  bool alive(NodeId id) const;
  std::vector<NodeId> ids() const;  // every node ever started
  InvariantChecker& checker() { return checker_; }

  // Inputs; each processes the node's Ready afterwards.
  void tick(NodeId id);
  void tick_all();
  Status propose(NodeId id, std::string data);
  Status propose_conf_change(NodeId id, const ConfChange& cc);
  Status read_index(NodeId id, std::string context);
  void campaign(NodeId id);
  void transfer_leadership(NodeId at, NodeId to);
  // Steps a message that did not come through the network (a forgery) into node `id`, then
  // handles its Ready; returns what step() said.
  Status inject(NodeId id, const Message& m);

  // Network. Messages are queued per (from, to) link and delivered in FIFO order per link.
  std::size_t in_flight() const;
  // Delivers the oldest message of a link chosen by `rng` (or the globally oldest when null).
  // With crash_receiver, the receiver crashes right after stepping it, before persisting or
  // sending anything it produced.
  bool deliver_one(std::mt19937_64* rng = nullptr, bool crash_receiver = false);
  // Delivers until no message is in flight (or `limit` deliveries); returns the count.
  std::size_t deliver_all(std::size_t limit = 1'000'000);
  // Ticks every live node and delivers everything, `rounds` times.
  void settle(int rounds);
  void set_drop_rate(double p) { drop_rate_ = p; }
  void cut(NodeId a, NodeId b);
  void isolate(NodeId id);
  void partition(const std::vector<std::vector<NodeId>>& groups);
  void heal();
  // Whether the network reports snapshot delivery outcomes to the sender (coordd's transport
  // does); tests turn it off to watch the leader wait.
  bool report_snapshots = true;
  // Called for each message about to be delivered; return false to drop it.
  std::function<bool(const Message&)> filter;

  // Failures. crash() loses everything not persisted (the RawNode and in-memory state machine).
  void crash(NodeId id);
  void restart(NodeId id);
  // Starts a brand-new empty node (to be added with a conf change).
  void add_empty_node(NodeId id);
  // Snapshot at the node's applied index and compact its log up to it, keeping `keep` entries.
  void compact(NodeId id, std::uint64_t keep = 0);

  // The live leader with the highest term, or kNoNode.
  NodeId leader() const;
  // Ticks/delivers until some node is leader (at most max_rounds rounds); returns it or kNoNode.
  NodeId wait_for_leader(int max_rounds = 200);

  std::uint64_t messages_delivered() const { return delivered_; }

 private:
  void process(NodeId id);
  void handle_ready(SimNode& n, Ready rd);
  void persist(SimNode& n, const Ready& rd);
  // Records reads the leader confirmed and serves those whose index is applied.
  void serve_reads(SimNode& n, std::vector<ReadState>& released);
  void apply_entry(SimNode& n, const Entry& e);
  void enqueue(Message m);
  bool link_up(NodeId from, NodeId to) const;
  void start(SimNode& n, bool bootstrap, const std::vector<NodeId>& voters);

  ClusterOptions opts_;
  std::map<NodeId, SimNode> nodes_;
  std::map<std::pair<NodeId, NodeId>, std::deque<Message>> links_;
  std::deque<std::pair<NodeId, NodeId>> order_;  // send order of messages, for global FIFO
  std::set<std::pair<NodeId, NodeId>> cut_;
  double drop_rate_ = 0;
  std::mt19937_64 net_rng_;
  InvariantChecker checker_;
  std::map<std::string, std::uint64_t> read_floor_;  // read context -> commit index at issue
  std::uint64_t delivered_ = 0;
  std::uint64_t restarts_ = 0;
};

// Hash chain step used by the simulated state machine.
std::uint64_t chain_hash(std::uint64_t h, const Entry& e);

}  // namespace coord::raft::test
