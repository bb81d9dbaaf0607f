// Node: one coordd member's consensus and state — the raft loop (server/README.md) placed on
// threads. The loop's body is NodeCore (node_core.hpp), a single-threaded machine; Node is its
// shell: the inbox other threads fill, raft_mu_ that makes one round run at a time, and the
// choice of the thread that runs it.
//
// A round runs on the raft thread or — while that thread idles — on the thread that just handed
// it peer messages, or a proposal or a read while the load is light (then a lone request is
// persisted, applied and answered without waking another thread). Other threads talk to the core
// only through the inbox (propose, read_barrier, step), read the store under a shared lock
// (read()), and change only the watcher hub under the exclusive one (watch(), unwatch()).
//
// Public methods are safe for concurrent use from any thread. Callbacks given to propose()
// and read_barrier() run exactly once, with raft_mu_ held and never under the store lock:
// inside a round, or while the node stops, in stop() or at once on the caller's thread (which
// then takes raft_mu_). "The raft thread" below means whichever thread runs the round.
// Callbacks must only hand work on (e.g. to a session's strand) and must not block. The client
// API sees a Node only as its NodeApi (node_api.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/node/node_core.hpp"

namespace coord::node {

class Node final : public NodeApi, private NodeCore::Signals {
 public:
  using WriteCallback = NodeCore::WriteCallback;
  using ReadCallback = NodeCore::ReadCallback;
  using MemberCallback = NodeCore::MemberCallback;

  Node(NodeOptions options, FileSystem& fs, const Clock& clock);
  ~Node() override;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Opens or creates the data directory, recovers the store, and starts the raft thread.
  Status start(MessageSender* sender = nullptr);
  // Blocks until this member has a leader and its own attributes are published (etcd's
  // "ready to serve"), or until `timeout`. Returns false on timeout or when stopped.
  bool wait_ready(std::chrono::milliseconds timeout);
  // Stops the raft thread; pending callbacks get a "server stopped" answer. Idempotent.
  void stop();
  // True once the raft loop hit a fatal error (e.g. the disk failed); the server must exit.
  bool failed() const override { return core_.failed(); }
  std::string failure() const { return core_.failure(); }

  // Proposes a write through Raft. `done` gets the applied answer, or error 300 after the
  // request timeout or at shutdown.
  void propose(apply::Request request, WriteCallback done) override;
  // Linearizable read barrier (Raft ReadIndex, batched): `done(ok)` once this member has
  // applied everything committed before the call; a non-ok Status on timeout or shutdown.
  void read_barrier(ReadCallback done) override;
  // Messages from a peer, in the order they arrived (an io thread, which may then run the round
  // itself, WAL fdatasync included): one inbox push and at most one wake-up for the whole
  // batch. A message whose payload would not apply
  // (check_peer_payloads: an entry or a snapshot that does not decode) is dropped here, on the
  // caller's thread, before it reaches Raft; the first such refusal is returned (the rest of
  // the batch is still stepped). Raft itself refuses messages no correct member sends
  // (RawNode::step); those refusals are logged, at most one line a second.
  Status step(std::vector<raft::Message> messages);
  // Steps one snapshot message (kSnap) whose file the transport has received and put in place,
  // with the file's data (`data_bytes` long) decoded already (decode_received_snapshot, off the
  // raft loop): if Raft takes the snapshot, the install uses `state` instead of decoding the
  // file on the loop.
  Status step_snapshot(raft::Message message, store::DecodedState state, std::uint64_t data_bytes);
  // Transport reports (any thread).
  void report_unreachable(std::uint64_t peer);
  void report_snapshot(std::uint64_t peer, bool ok);
  // The cluster told us we were removed: stop serving (any thread).
  void removed_from_cluster();

  // Membership changes through Raft (members API). Validation that needs the current member
  // list (duplicate peer URL, unknown or removed id, strict reconfiguration) happens here.
  void add_member(std::vector<std::string> peer_urls, MemberCallback done) override;
  void remove_member(std::uint64_t id, MemberCallback done) override;
  void update_member(std::uint64_t id, std::vector<std::string> peer_urls, MemberCallback done) override;
  bool is_removed(std::uint64_t id) const { return core_.is_removed(id); }
  std::vector<PeerActivity> peer_activity() const override { return core_.peer_activity(); }
  // Hands leadership to the most up-to-date follower and waits (bounded) for it to take over;
  // used on SIGTERM so a restarting leader does not cost the cluster an election timeout.
  void transfer_leadership_before_stop(std::chrono::milliseconds timeout);

  // Registers a watch (exclusive access); the sink runs inside a round, after the store lock
  // is released (NodeCore::run_fan_out).
  store::V2Result<store::WatchStart> watch(std::string_view key, bool recursive, bool stream,
                                           std::uint64_t since_index, store::WatchSink sink) override {
    return core_.watch(key, recursive, stream, since_index, std::move(sink));
  }
  void unwatch(store::WatchId id) override { core_.unwatch(id); }
  // From a watch sink or a write/read callback only (inside a round; in stop(), the stopping
  // thread, also holding raft_mu_): runs `fn` once this round's writers have been answered, outside
  // the store lock.
  void after_answers(std::function<void()> fn) override { core_.after_answers(std::move(fn)); }
  // Counts the failing internal auth lookup etcd does for every keys/members request.
  void count_auth_lookup() { core_.count_auth_lookup(); }

  NodeStatus status() const override { return core_.status(); }
  // The log position and, on the leader, each follower's progress (NodeCore::replication()).
  ReplicationStatus replication() const override { return core_.replication(); }
  // How long the WAL's fdatasyncs took, in etcd's buckets (etcd_disk_wal_fsync_duration_seconds).
  HistogramSnapshot wal_fsync_durations() const override { return core_.wal_fsync_durations(); }
  // Raft-loop event counters for /metrics.
  const NodeMetrics& metrics() const override { return core_.metrics(); }
  std::vector<store::Member> members() const override { return core_.members(); }
  // The ids of the members as this member knows them: the store's, or the initial cluster's
  // until the log has named them (a member that just joined).
  std::set<std::uint64_t> known_member_ids() const { return core_.known_member_ids(); }
  std::uint64_t member_id() const { return core_.member_id(); }
  std::uint64_t cluster_id() const override { return core_.cluster_id(); }
  const Clock& clock() const override { return core_.clock(); }

 private:
  using Inbox = NodeCore::Inbox;

  // NodeApi: read()'s body.
  void read_store(FunctionRef<void(const store::Store&, RaftPosition)> fn) const override {
    core_.read([&](const store::Store& s, RaftPosition p) { fn(s, p); });
  }

  // NodeCore::Signals
  void snapshot_written() override;
  void notify() override;

  void run();
  void push_conf_change(NodeCore::ConfChangeRequest request);
  // Runs `add(inbox_)` under the inbox lock unless the node is stopping (then false).
  template <class Add>
  bool add_to_inbox(Add& add) {
    std::lock_guard lock(inbox_mu_);
    if (stopping_) return false;
    add(inbox_);
    return true;
  }
  // Runs `add(inbox_)` under the inbox lock unless the node is stopping, then wakes the raft
  // thread. The wake-up comes after the unlock: woken while the lock is still held, the raft
  // thread would only block again on the mutex. Returns false when stopping.
  template <class Add>
  bool push_inbox(Add&& add) {
    if (!add_to_inbox(add)) return false;
    inbox_cv_.notify_one();
    return true;
  }
  // As push_inbox(), for work a client or peer is waiting on: when no one is running the raft
  // loop, this thread runs a round itself (run_round_here) instead of waking the raft thread,
  // and the answer needs no wake-up either. A lone request thus crosses no thread at all.
  // Client work does so only while the load is light (the last round took at most one client
  // request): under load an io thread that ran rounds would stall its sessions on the fsync and
  // contend with the raft thread for raft_mu_, for no gain in latency.
  template <class Add>
  bool push_inbox_and_run(Add&& add, bool client_work) {
    if (!add_to_inbox(add)) return false;
    const bool may_run = !client_work || light_load_.load(std::memory_order_relaxed);
    if (!may_run || !run_round_here()) inbox_cv_.notify_one();
    return true;
  }
  // Runs one round on this thread if raft_mu_ is free and this thread is not inside a round
  // already; false when it did not (the raft thread must be woken).
  bool run_round_here();
  // Runs a callback refused because the node stops (propose, read_barrier) under raft_mu_, then
  // hands on what it queued (run_after_answers).
  void answer_while_stopping(const std::function<void()>& answer);
  // One round: takes the inbox and runs it through the core. The caller holds raft_mu_. False
  // once the loop must end (a fatal error).
  bool run_round();

  // Held by whoever runs a round of the raft loop: the raft thread or, while it idles, a
  // thread that pushed work (run_round_here). Guards every round method of core_.
  std::mutex raft_mu_;
  NodeCore core_;
  std::atomic<bool> light_load_{true};  // the last round took at most one proposal or read
  // The inbox the current round works on, empty between rounds (guarded by raft_mu_): swapped
  // with inbox_, so inbox_ always starts a round with the room of an earlier one.
  Inbox round_inbox_;
  // Inbox: guarded by inbox_mu_.
  mutable std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  Inbox inbox_;
  bool stopping_ = false;
  std::mutex ready_mu_;
  std::condition_variable ready_cv_;  // core_.ready(), failed(), is_leader() changed

  std::thread thread_;
};

}  // namespace coord::node
