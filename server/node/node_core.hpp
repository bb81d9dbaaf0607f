// NodeCore: one coordd member's consensus and state as a single-threaded machine — the body of the
// raft loop (server/README.md) without its threads. Node (node.hpp) is the shell that places it on
// threads; the node simulation (test/sim/node_sim_test.cpp) drives several cores by hand.
//
// Inputs: an Inbox handed to run_round() (proposals, reads, peer messages, conf changes, transport
// reports), and time, read only from the injected Clock (a tick is due when steady_now() reaches
// next_tick()). Outputs: the DurableLog (persist), the MessageSender (send), the callbacks of the
// inbox's requests (answer), and Signals (notify the shell that something it may wait on changed).
//
// Thread-safety: the round methods (open, run_round, stop, after_answers, run_after_answers) must
// be called by one thread at a time: the shell serializes them with its raft_mu_ ("inside a round"
// below). The store is guarded by store_mu_: rounds write it under the exclusive lock; read(),
// status(), members() and the other const readers, and watch()/unwatch(), are safe from any thread
// at any time. The published atomics (leader, failed, ready...) are readable from any thread.
// The core starts no thread of its own; only its DurableLog's snapshot writer runs beside it, and
// that one reports through Signals::snapshot_written().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "server/apply/applier.hpp"
#include "server/apply/request.hpp"
#include "server/common/clock.hpp"
#include "server/common/duration_histogram.hpp"
#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/node/node_api.hpp"
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

// Sends Raft messages to peers; implemented by server/transport. send() and set_peers() are
// called inside a round (any thread; set_peers() also once from NodeCore::open()) and
// must not block (queue and return); peer_activity() from any.
class MessageSender {
 public:
  virtual ~MessageSender() = default;
  virtual void send(std::vector<raft::Message> messages) = 0;
  // The members to keep links to (self is skipped by the transport).
  virtual void set_peers(const std::vector<store::Member>& members, std::uint64_t cluster_id) = 0;
  virtual std::vector<PeerActivity> peer_activity() const = 0;
};

class NodeCore {
 public:
  // The callbacks' meanings: server/node/node_api.hpp.
  using WriteCallback = node::WriteCallback;
  using ReadCallback = node::ReadCallback;
  using MemberCallback = node::MemberCallback;

  // What the core tells its shell. Both may be called with the shell's round lock held
  // (notify) or from the snapshot writer thread (snapshot_written); neither may block or call
  // back into the core.
  class Signals {
   public:
    virtual ~Signals() = default;
    // A file write started by a snapshot has ended: the next round must carry
    // Inbox::snapshot_written (on the snapshot writer thread).
    virtual void snapshot_written() = 0;
    // ready(), failed() or is_leader() may have changed: wake whoever waits on them (inside a round).
    virtual void notify() = 0;
  };

  struct ConfChangeRequest {
    raft::ConfChange change;  // context filled in a round (request id + member)
    store::Member member;
    MemberCallback done;
  };
  // A received snapshot's store state, decoded off the raft loop (decode_received_snapshot),
  // stepped in with its message: the install takes it instead of decoding the file again.
  struct DecodedSnapshot {
    raft::SnapshotMetadata point;
    store::DecodedState state;
    std::uint64_t data_bytes = 0;  // of the image it was decoded from
  };
  // The work a round takes in. Filled by the shell from any thread, handed over whole.
  struct Inbox {
    std::vector<std::pair<apply::Request, WriteCallback>> proposals;
    std::vector<ReadCallback> reads;
    std::vector<raft::Message> messages;
    std::vector<ConfChangeRequest> conf_changes;
    std::vector<std::uint64_t> unreachable;
    std::vector<std::pair<std::uint64_t, bool>> snapshot_reports;
    std::vector<DecodedSnapshot> decoded_snapshots;  // each with its kSnap message in `messages`
    bool transfer_leadership = false;
    bool snapshot_written = false;  // the snapshot writer's file write ended (finish_snapshot)
    bool has_work() const {
      return !proposals.empty() || !reads.empty() || !messages.empty() || !conf_changes.empty() ||
             !unreachable.empty() || !snapshot_reports.empty() || transfer_leadership || snapshot_written;
    }
    // Empties it for reuse, keeping the vectors' room up to kKeptCapacity elements each (a
    // burst's is released): the next round's pushes then allocate nothing. Regrowing them from
    // empty every round cost several allocations of over 1 KB per round, each of which makes
    // glibc consolidate its fast bins.
    void clear_for_reuse();
    static constexpr std::size_t kKeptCapacity = 1024;
  };

  NodeCore(NodeOptions options, FileSystem& fs, const Clock& clock, Signals& signals);
  ~NodeCore();
  NodeCore(const NodeCore&) = delete;
  NodeCore& operator=(const NodeCore&) = delete;

  // ---- inside a round (one thread at a time)
  // Opens or creates the data directory, recovers the store, builds Raft and schedules the
  // first tick. `sender` may be null (nothing is sent).
  Status open(MessageSender* sender);
  // One round: the inbox, a tick when due, every Ready (persist, send, apply, answer), then what
  // the callbacks queued with after_answers(). False once the core has failed (it must not be
  // driven any more).
  bool run_round(Inbox& inbox);
  // True from the start of a local snapshot until a round has recorded it (Inbox::snapshot_written).
  bool snapshot_in_flight() const;
  // When the next tick is due (steady clock).
  std::chrono::steady_clock::time_point next_tick() const { return next_tick_; }
  // The end: a snapshot write in flight is recorded (unless failed), the writer stopped, and every
  // waiter and every request of `left` answered "server stopped". No round may follow.
  void stop(Inbox& left);
  // From a watch sink or a write/read callback only (inside a round): runs `fn` once this round's
  // writers have been answered, outside the store lock.
  void after_answers(std::function<void()> fn) { after_answers_.push_back(std::move(fn)); }
  void run_after_answers();
  // Membership requests checked against the current member list (any thread): the request to
  // put into an Inbox, or nullopt after `done` was called with the refusal.
  std::optional<ConfChangeRequest> prepare_add_member(std::vector<std::string> peer_urls, MemberCallback& done) const;
  std::optional<ConfChangeRequest> prepare_remove_member(std::uint64_t id, MemberCallback& done) const;
  std::optional<ConfChangeRequest> prepare_update_member(std::uint64_t id, std::vector<std::string> peer_urls,
                                                         MemberCallback& done) const;

  // ---- any thread
  template <class F>
  auto read(F&& fn) const {
    std::shared_lock lock(store_mu_);
    return fn(static_cast<const store::Store&>(store_), position_);
  }
  store::V2Result<store::WatchStart> watch(std::string_view key, bool recursive, bool stream,
                                           std::uint64_t since_index, store::WatchSink sink);
  void unwatch(store::WatchId id);
  void count_auth_lookup();
  // Counts append requests received from the leader (etcd's recvAppendRequestCnt), as they arrive.
  void count_received_appends(std::uint64_t n) { recv_append_.fetch_add(n, std::memory_order_relaxed); }
  NodeStatus status() const;
  // This member's log and its followers' progress as a round last copied them: at most
  // kReplicationCopyInterval old, and copied again at once when the role changes (so the
  // followers are cleared by the round in which this member stops leading).
  ReplicationStatus replication() const;
  static constexpr std::chrono::milliseconds kReplicationCopyInterval{100};
  HistogramSnapshot wal_fsync_durations() const { return wal_fsync_durations_.snapshot(); }
  // Raft-loop event counters for /metrics.
  const NodeMetrics& metrics() const { return metrics_; }
  std::vector<store::Member> members() const;
  std::set<std::uint64_t> known_member_ids() const;
  bool is_removed(std::uint64_t id) const;
  std::vector<PeerActivity> peer_activity() const;
  bool failed() const { return failed_.load(); }
  std::string failure() const;
  bool ready() const { return ready_.load(); }
  bool is_leader() const { return is_leader_.load(); }
  std::uint64_t leader() const { return leader_.load(); }
  std::uint64_t member_id() const { return options_.member_id; }
  std::uint64_t cluster_id() const { return cluster_id_.load(); }
  const NodeOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }
  // Records a fatal error: failed() turns true and the shell is notified (any thread).
  void fail(const Status& status);

 private:
  Result<std::vector<store::Member>::const_iterator> find_member(const std::vector<store::Member>& members,
                                                                 std::uint64_t id) const;
  struct PendingProposal {
    std::string data;                             // a normal entry, or
    std::optional<raft::ConfChange> conf_change;  // a membership change
    std::uint64_t id;
    Waiters<WriteCallback>::Deadline deadline;
  };

  void drain_inbox(Inbox& inbox);
  void on_tick();
  // Logs a membership change applied from the log (etcd's "added member" and the like).
  void log_member_change(raft::ConfChangeType type, const store::Member& member) const;
  // Logs elections (started, won, lost, with their term) and leader changes of this Ready.
  void log_election(raft::NodeId leader_before, const std::optional<raft::SoftState>& soft_state);
  // Counts a peer message Raft refused and logs the count, at most once a second.
  void log_refused(const raft::Message& m, const Status& why);
  void handle_ready(raft::Ready rd);
  // On the leader: the index of the oldest snapshot on its way to a follower, 0 when none.
  // Compaction keeps the entries after it (DurableLog::finish_snapshot's follower_has), which
  // that follower needs next once it has installed the snapshot.
  std::uint64_t snapshot_in_flight_to_follower() const;
  // Replaces the store with the snapshot of `rd` (its file received and made durable): with the
  // state decoded off the loop when one came with it, else decoded from the mapped file here.
  Status install_received_snapshot(const raft::Snapshot& snapshot);
  // After a round that applied a conf change: the only voter with no leader campaigns now.
  void campaign_if_alone();
  // Applies committed entries in order, then runs the watch sinks their events reached
  // (run_fan_out) and their writers' callbacks, both outside the store lock.
  void apply_and_answer(std::span<const raft::Entry> entries);
  // Under the exclusive store lock: applies `entries`, and hands over the answers to give and
  // the watch sinks to run (`fan_out`, taken from the store before the lock is released).
  void apply_committed(std::span<const raft::Entry> entries,
                       std::vector<std::pair<WriteCallback, WriteResult>>& answers,
                       std::vector<std::pair<MemberCallback, store::Member>>& member_answers,
                       store::FanOut& fan_out);
  // Runs the sinks of `fan_out` without the store lock; then, under it, removes the stream
  // watchers whose sink asked to stop.
  void run_fan_out(store::FanOut fan_out);
  void start_leadership_transfer();
  void apply_conf_change(const raft::Entry& entry, std::vector<std::pair<MemberCallback, store::Member>>& done);
  void propose_conf_change(ConfChangeRequest request, Waiters<WriteCallback>::Deadline deadline);
  int connected_members(const std::vector<PeerActivity>& activity, std::uint64_t except) const;
  Status check_reconfiguration(int voters_after) const;
  Status check_removal(const std::vector<store::Member>& members, std::uint64_t removed) const;
  void update_peers();
  // --force-new-cluster on a restart: rewrites the log so this member is the only voter
  // (restart_as_standalone) and logs what it did. In open(), before Raft is built.
  Status force_standalone();
  void release_reads();
  void maybe_snapshot();
  void finish_snapshot();
  void propose_internal(apply::Request request);
  void request_with_callback(apply::Request request, WriteCallback done);
  void on_soft_state(const raft::SoftState& ss);
  void send(std::vector<raft::Message> messages);
  // At the end of a round: copies the log position and the followers' progress for
  // replication() when the copy is due (role change, or kReplicationCopyInterval passed).
  void maybe_copy_replication();
  void retry_unsent();
  void expire_waiters();

  // Constant after construction.
  const NodeOptions options_;
  FileSystem& fs_;
  const Clock& clock_;
  Signals& signals_;
  const UnixNanos start_time_;

  // Inside a round only: created in open(), then used by rounds and by stop().
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
  // Decoded states stepped in this round (Inbox::decoded_snapshots); what the round's Readies
  // did not install is disposed of at its end.
  std::vector<DecodedSnapshot> decoded_snapshots_;
  // Room for apply_and_answer's answers, kept between rounds (empty when not in use).
  std::vector<std::pair<WriteCallback, WriteResult>> answers_room_;
  std::uint64_t applied_index_ = 0;
  // Last log index this member has written and synced since it started (0 until the first
  // write): committed entries up to here may be applied before the current Ready's write.
  std::uint64_t durable_index_ = 0;
  // Applied index when the last snapshot was made durable (or started, received, recovered): the
  // next one starts snapshot_count entries later.
  std::uint64_t snapshot_index_ = 0;
  // Entry data applied since snapshot_index_ last moved: a snapshot is also due once it reaches
  // NodeOptions::snapshot_log_bytes.
  std::uint64_t log_bytes_since_snapshot_ = 0;
  std::size_t snapshot_bytes_ = 0;    // size of the last store snapshot: the next one's size hint
  std::chrono::steady_clock::time_point snapshot_started_{};  // of the one in flight (for the log line)
  std::chrono::steady_clock::duration snapshot_capture_{};    // its capture on this thread (save or fork)
  std::chrono::steady_clock::time_point next_tick_;
  std::chrono::steady_clock::time_point next_sync_;
  bool published_ = false;
  bool publish_in_flight_ = false;
  // Set when a round applied a conf change: at the end of that round a member that is now the
  // only voter and knows no leader campaigns at once (campaign_if_alone) instead of waiting an
  // election timeout. A restarted single member learns it is alone only here, when its
  // committed bootstrap entries are applied again, which open() cannot know beforehand.
  bool membership_applied_ = false;
  // Peer messages Raft refused since the last log line about them, and when that line was written.
  std::uint64_t refused_messages_ = 0;
  std::chrono::steady_clock::time_point refused_logged_{};

  // The store: tree, index, members and auth written only inside a round under the exclusive
  // lock; watch()/unwatch() change only the watcher hub, also exclusively; reads are shared.
  // Writers first, so a stream of long reads cannot keep the rounds out (WriterFirstMutex).
  mutable WriterFirstMutex store_mu_;
  store::Store store_;            // guarded by store_mu_
  RaftPosition position_;         // guarded by store_mu_: applied index and current term

  // Published state, read by any thread.
  std::atomic<std::uint64_t> next_request_id_;
  std::atomic<std::uint64_t> leader_{0};
  std::atomic<bool> is_leader_{false};
  // Raft thread only: the role and term last logged (log_election), so each change is logged once.
  raft::Role logged_role_ = raft::Role::kFollower;
  std::uint64_t logged_term_ = 0;
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
  // Observed by the WAL (inside a round), read by /metrics. etcd's buckets: 1 ms to 8.192 s.
  DurationHistogram wal_fsync_durations_{DurationHistogram::exponential_bounds(0.001, 2, 14)};
  NodeMetrics metrics_;
  mutable std::mutex failure_mu_;
  std::string failure_;           // guarded by failure_mu_
  // Raft thread only: when replication_ is next copied; set to now by a role change.
  std::chrono::steady_clock::time_point replication_due_{};
  // Its own lock: the dashboard's readers never wait on the store or a round.
  mutable std::mutex replication_mu_;
  ReplicationStatus replication_;  // guarded by replication_mu_
};

}  // namespace coord::node
