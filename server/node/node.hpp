// Node: one coordd member's consensus and state — the raft loop (server/README.md).
//
// The raft loop owns the RawNode, the DurableLog (WAL + snapshots), the applier and every
// store write. It runs in rounds, one at a time under raft_mu_: on the raft thread, or — while
// that thread idles — on the thread that just handed it peer messages, or a proposal or a read
// while the load is light (then a lone request is persisted, applied and answered without
// waking another thread). Other threads talk to it only through the inbox (propose,
// read_barrier, step), read the store under a shared lock (read()), and change only the watcher
// hub under the exclusive one (watch(), unwatch()).
//
// Public methods are safe for concurrent use from any thread. Callbacks given to propose()
// and read_barrier() run exactly once, with raft_mu_ held and never under the store lock:
// inside a round, or while the node stops, in stop() or at once on the caller's thread (which
// then takes raft_mu_). "The raft thread" below means whichever thread runs the round.
// Callbacks must only hand work on (e.g. to a session's strand) and must not block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "server/apply/applier.hpp"
#include "server/apply/request.hpp"
#include "server/common/clock.hpp"
#include "server/common/duration_histogram.hpp"
#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/node/node_metrics.hpp"
#include "server/node/node_options.hpp"
#include "server/node/peer_activity.hpp"
#include "server/node/waiters.hpp"
#include "server/node/writer_first_mutex.hpp"
#include "server/raft/message.hpp"
#include "server/raft/raw_node.hpp"
#include "server/store/store.hpp"

namespace coord::node {

class DurableLog;

// Where an answer stands in the Raft log (X-Raft-Index / X-Raft-Term).
struct RaftPosition {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
};

struct WriteResult {
  apply::Response response;
  RaftPosition raft;
};

// A snapshot of the member's state for the stats, members and health endpoints.
struct NodeStatus {
  std::uint64_t id = 0;
  std::uint64_t cluster_id = 0;
  std::string name;
  std::uint64_t leader = 0;  // 0 when unknown
  bool is_leader = false;
  UnixNanos start_time = 0;
  UnixNanos leader_since = 0;  // when this member last became leader (0 if never)
  RaftPosition raft;
  std::uint64_t recv_append_requests = 0;
  std::uint64_t send_append_requests = 0;
  // For /metrics, with etcd's meanings.
  std::uint64_t leader_changes_seen = 0;   // times a (new) leader became known
  std::uint64_t proposals_committed = 0;   // the commit index
  std::uint64_t proposals_applied = 0;     // the applied index
  std::uint64_t proposals_pending = 0;     // writes waiting for their entry to apply
  std::uint64_t proposals_failed = 0;      // writes that timed out or were refused
  std::uint64_t watch_requests = 0;        // watches registered
};

// Sends Raft messages to peers; implemented by server/transport. send() and set_peers() are
// called inside a round (raft_mu_ held, any thread; set_peers() also once from start()) and
// must not block (queue and return); peer_activity() from any.
class MessageSender {
 public:
  virtual ~MessageSender() = default;
  virtual void send(std::vector<raft::Message> messages) = 0;
  // The members to keep links to (self is skipped by the transport).
  virtual void set_peers(const std::vector<store::Member>& members, std::uint64_t cluster_id) = 0;
  virtual std::vector<PeerActivity> peer_activity() const = 0;
};

class Node {
 public:
  using WriteCallback = std::function<void(WriteResult)>;
  using ReadCallback = std::function<void(Status)>;
  // Membership changes: ok once the change is applied; kNotFound (no such member),
  // kAlreadyExists (a peer URL in use), kFailedPrecondition (the member was permanently
  // removed), kUnavailable (not enough started members), kTimeout otherwise.
  using MemberCallback = std::function<void(Status, store::Member)>;

  Node(NodeOptions options, FileSystem& fs, const Clock& clock);
  ~Node();
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
  bool failed() const { return failed_.load(); }
  std::string failure() const;

  // Proposes a write through Raft. `done` gets the applied answer, or error 300 after the
  // request timeout or at shutdown.
  void propose(apply::Request request, WriteCallback done);
  // Linearizable read barrier (Raft ReadIndex, batched): `done(ok)` once this member has
  // applied everything committed before the call; a non-ok Status on timeout or shutdown.
  void read_barrier(ReadCallback done);
  // Messages from a peer, in the order they arrived (an io thread, which may then run the round
  // itself, WAL fdatasync included): one inbox push and at most one wake-up for the whole
  // batch. A message whose payload would not apply
  // (check_peer_payloads: an entry or a snapshot that does not decode) is dropped here, on the
  // caller's thread, before it reaches Raft; the first such refusal is returned (the rest of
  // the batch is still stepped). Raft itself refuses messages no correct member sends
  // (RawNode::step); those refusals are logged, at most one line a second.
  Status step(std::vector<raft::Message> messages);
  // Transport reports (any thread).
  void report_unreachable(std::uint64_t peer);
  void report_snapshot(std::uint64_t peer, bool ok);
  // The cluster told us we were removed: stop serving (any thread).
  void removed_from_cluster();

  // Membership changes through Raft (members API). Validation that needs the current member
  // list (duplicate peer URL, unknown or removed id, strict reconfiguration) happens here.
  void add_member(std::vector<std::string> peer_urls, MemberCallback done);
  void remove_member(std::uint64_t id, MemberCallback done);
  void update_member(std::uint64_t id, std::vector<std::string> peer_urls, MemberCallback done);
  bool is_removed(std::uint64_t id) const;
  std::vector<PeerActivity> peer_activity() const;
  // Hands leadership to the most up-to-date follower and waits (bounded) for it to take over;
  // used on SIGTERM so a restarting leader does not cost the cluster an election timeout.
  void transfer_leadership_before_stop(std::chrono::milliseconds timeout);

  // Runs `fn(store, position)` with shared access to the store.
  template <class F>
  auto read(F&& fn) const {
    std::shared_lock lock(store_mu_);
    return fn(static_cast<const store::Store&>(store_), position_locked());
  }
  // Registers a watch (exclusive access); the sink runs inside a round, under the exclusive
  // store lock.
  store::V2Result<store::WatchStart> watch(std::string_view key, bool recursive, bool stream,
                                           std::uint64_t since_index, store::WatchSink sink);
  void unwatch(store::WatchId id);
  // From a watch sink or a write/read callback only (inside a round; in stop(), the stopping
  // thread, also holding raft_mu_): runs `fn` once this round's writers have been answered, outside
  // the store lock.
  void after_answers(std::function<void()> fn) { after_answers_.push_back(std::move(fn)); }
  // Counts the failing internal auth lookup etcd does for every keys/members request.
  void count_auth_lookup();

  NodeStatus status() const;
  // How long the WAL's fdatasyncs took, in etcd's buckets (etcd_disk_wal_fsync_duration_seconds).
  HistogramSnapshot wal_fsync_durations() const { return wal_fsync_durations_.snapshot(); }
  // Raft-loop event counters for /metrics.
  const NodeMetrics& metrics() const { return metrics_; }
  std::vector<store::Member> members() const;
  // The ids of the members as this member knows them: the store's, or the initial cluster's
  // until the log has named them (a member that just joined).
  std::set<std::uint64_t> known_member_ids() const;
  std::uint64_t member_id() const { return options_.member_id; }
  std::uint64_t cluster_id() const { return cluster_id_.load(); }
  const Clock& clock() const { return clock_; }

 private:
  struct ConfChangeRequest {
    raft::ConfChange change;  // context filled in a round (request id + member)
    store::Member member;
    MemberCallback done;
  };
  struct Inbox {
    std::vector<std::pair<apply::Request, WriteCallback>> proposals;
    std::vector<ReadCallback> reads;
    std::vector<raft::Message> messages;
    std::vector<ConfChangeRequest> conf_changes;
    std::vector<std::uint64_t> unreachable;
    std::vector<std::pair<std::uint64_t, bool>> snapshot_reports;
    bool transfer_leadership = false;
    bool snapshot_written = false;  // the snapshot writer's file write ended (finish_snapshot)
  };
  struct PendingProposal {
    std::string data;                             // a normal entry, or
    std::optional<raft::ConfChange> conf_change;  // a membership change
    std::uint64_t id;
    Waiters<WriteCallback>::Deadline deadline;
  };

  void run();
  void drain_inbox(Inbox& inbox);
  void on_tick();
  // Counts a peer message Raft refused and logs the count, at most once a second.
  void log_refused(const raft::Message& m, const Status& why);
  void handle_ready(raft::Ready rd);
  // Applies committed entries in order, then runs their writers' callbacks.
  void apply_and_answer(std::span<const raft::Entry> entries);
  void run_after_answers();
  void apply_committed(std::span<const raft::Entry> entries,
                       std::vector<std::pair<WriteCallback, WriteResult>>& answers,
                       std::vector<std::pair<MemberCallback, store::Member>>& member_answers);
  void start_leadership_transfer();
  void apply_conf_change(const raft::Entry& entry, std::vector<std::pair<MemberCallback, store::Member>>& done);
  void propose_conf_change(ConfChangeRequest request, Waiters<WriteCallback>::Deadline deadline);
  void push_conf_change(ConfChangeRequest request);
  Status check_reconfiguration(int voters_after, std::uint64_t removed) const;
  void update_peers();
  // --force-new-cluster on a restart: rewrites the log so this member is the only voter
  // (restart_as_standalone) and logs what it did. In start(), before Raft is built.
  Status force_standalone();
  void release_reads();
  void maybe_snapshot();
  void finish_snapshot();
  void propose_internal(apply::Request request);
  void request_with_callback(apply::Request request, WriteCallback done);
  void on_soft_state(const raft::SoftState& ss);
  void send(std::vector<raft::Message> messages);
  void retry_unsent();
  void expire_waiters();
  void fail(const Status& status);
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
  // One round of the raft loop: the inbox, a tick when due, every Ready, the answers. The
  // caller holds raft_mu_. False once the loop must end (a fatal error).
  bool run_round();
  RaftPosition position_locked() const;

  // Constant after construction.
  const NodeOptions options_;
  FileSystem& fs_;
  const Clock& clock_;
  const UnixNanos start_time_;

  // Guarded by raft_mu_: created in start() before the raft thread starts, then used only by
  // rounds and by stop().
  std::unique_ptr<DurableLog> log_;
  std::unique_ptr<raft::RawNode> raft_;
  std::unique_ptr<apply::Applier> applier_;
  MessageSender* sender_ = nullptr;
  Waiters<WriteCallback> write_waiters_;
  Waiters<ReadCallback> read_waiters_;
  Waiters<MemberCallback> member_waiters_;
  std::vector<PendingProposal> unsent_;            // proposed while no leader was known
  std::map<std::uint64_t, std::vector<std::uint64_t>> read_batches_;  // batch id -> read ids, until raft answers
  std::multimap<std::uint64_t, std::vector<std::uint64_t>> reads_awaiting_apply_;  // read index -> read ids
  std::vector<std::uint64_t> unsent_reads_;        // batch ids not yet accepted by raft
  std::vector<std::function<void()>> after_answers_;  // watcher notifications of this batch
  std::uint64_t applied_index_ = 0;
  // Last log index this member has written and synced since it started (0 until the first
  // write): committed entries up to here may be applied before the current Ready's write.
  std::uint64_t durable_index_ = 0;
  // Applied index when the last snapshot was made durable (or started, received, recovered): the
  // next one starts snapshot_count entries later.
  std::uint64_t snapshot_index_ = 0;
  std::size_t snapshot_bytes_ = 0;    // size of the last store snapshot: the next one's size hint
  std::chrono::steady_clock::time_point snapshot_started_{};  // of the one in flight (for the log line)
  std::chrono::steady_clock::duration snapshot_capture_{};    // its store_.save() on this thread
  std::chrono::steady_clock::time_point next_tick_;
  std::chrono::steady_clock::time_point next_sync_;
  bool published_ = false;
  bool publish_in_flight_ = false;

  // The store: tree, index, members and auth written only inside a round under the exclusive
  // lock; watch()/unwatch() change only the watcher hub, also exclusively; reads are shared.
  // Writers first, so a stream of long reads cannot keep the rounds out (WriterFirstMutex).
  mutable WriterFirstMutex store_mu_;
  store::Store store_;            // guarded by store_mu_
  RaftPosition position_;         // guarded by store_mu_: applied index and current term

  // Inbox: guarded by inbox_mu_.
  // Held by whoever runs a round of the raft loop: the raft thread or, while it idles, a
  // thread that pushed work (run_round_here). Everything the comments call "raft thread only"
  // is guarded by it.
  std::mutex raft_mu_;
  std::atomic<bool> light_load_{true};  // the last round took at most one proposal or read
  mutable std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  Inbox inbox_;
  bool stopping_ = false;

  // Published state, read by any thread.
  std::atomic<std::uint64_t> next_request_id_;
  std::atomic<std::uint64_t> leader_{0};
  std::atomic<bool> is_leader_{false};
  std::atomic<UnixNanos> leader_since_{0};
  std::atomic<std::uint64_t> cluster_id_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> ready_{false};
  std::atomic<std::uint64_t> recv_append_{0};
  std::atomic<std::uint64_t> send_append_{0};
  std::atomic<std::uint64_t> leader_changes_{0};
  std::atomic<std::uint64_t> committed_index_{0};
  std::atomic<std::uint64_t> pending_proposals_{0};
  std::atomic<std::uint64_t> failed_proposals_{0};
  std::atomic<std::uint64_t> watch_requests_{0};
  NodeMetrics metrics_;
  // Peer messages Raft refused since the last log line about them (guarded by raft_mu_), and when
  // that line was written.
  std::uint64_t refused_messages_ = 0;
  std::chrono::steady_clock::time_point refused_logged_{};
  // Observed by the WAL (raft loop), read by /metrics. etcd's buckets: 1 ms to 8.192 s.
  DurationHistogram wal_fsync_durations_{DurationHistogram::exponential_bounds(0.001, 2, 14)};
  mutable std::mutex failure_mu_;
  std::string failure_;           // guarded by failure_mu_
  std::mutex ready_mu_;
  std::condition_variable ready_cv_;

  std::thread thread_;
};

}  // namespace coord::node
