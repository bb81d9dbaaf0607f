// NodeApi: what the client API (server/http: the router and its handlers) asks of a member —
// proposals, linearizable read barriers, shared reads of the store, watches, membership changes,
// and the status and figures the stats, metrics and health endpoints show. Node implements it
// (server/node/node.hpp); tests implement it in process (test/support/http/fake_node.hpp) to
// drive the http layer through answers a real cluster gives only under faults.
//
// Implementations are safe for concurrent use from any thread. The callbacks of propose(),
// read_barrier() and the membership changes run exactly once, never under the store lock, and
// must only hand work on (to a session) without blocking. A watch sink runs inside the round
// that applied the write that fired it, outside the store lock (server/README.md, lock order).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "server/apply/applier.hpp"
#include "server/apply/request.hpp"
#include "server/common/clock.hpp"
#include "server/common/duration_histogram.hpp"
#include "server/common/function_ref.hpp"
#include "server/common/status.hpp"
#include "server/node/node_metrics.hpp"
#include "server/node/peer_activity.hpp"
#include "server/raft/raw_node.hpp"
#include "server/store/store.hpp"

namespace coord::node {

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

// What the leader knows of one follower's log (raft::ProgressInfo), as of its last copy.
struct FollowerProgress {
  std::uint64_t id = 0;
  std::uint64_t match = 0;  // highest index known replicated on the follower
  std::uint64_t next = 0;   // next index the leader sends it
  raft::ProgressState state = raft::ProgressState::kProbe;
};

// This member's log and, while it leads, its followers' progress, copied together by a round
// (NodeCore::replication()): a follower's lag is last_index - match of the same copy.
struct ReplicationStatus {
  std::uint64_t term = 0;
  std::uint64_t commit = 0;      // commit index
  std::uint64_t last_index = 0;  // last index of this member's log
  std::vector<FollowerProgress> followers;  // by id; empty unless this member leads
};

// The answer to a proposal: the applied Response, or error 300 after the request timeout or
// at shutdown.
using WriteCallback = std::function<void(WriteResult)>;
// A read barrier: ok once this member applied everything committed before the call.
using ReadCallback = std::function<void(Status)>;
// Membership changes: ok once the change is applied; kNotFound (no such member),
// kAlreadyExists (a peer URL in use), kFailedPrecondition (the member was permanently
// removed), kUnavailable (not enough started members), kTimeout otherwise.
using MemberCallback = std::function<void(Status, store::Member)>;

class NodeApi {
 public:
  virtual ~NodeApi() = default;

  // Runs `fn(store, position)` with shared access to the store and returns what it returns.
  template <class F>
  auto read(F&& fn) const {
    using Result = std::invoke_result_t<F&, const store::Store&, RaftPosition>;
    if constexpr (std::is_void_v<Result>) {
      read_store(fn);
    } else {
      std::optional<Result> result;
      read_store([&](const store::Store& s, RaftPosition p) { result.emplace(fn(s, p)); });
      return std::move(*result);
    }
  }

  // Proposes a write through Raft.
  virtual void propose(apply::Request request, WriteCallback done) = 0;
  // Linearizable read barrier (Raft ReadIndex); a non-ok Status on timeout or shutdown.
  virtual void read_barrier(ReadCallback done) = 0;
  // Registers a watch (see store::Store::watch); unwatch() is safe for an id already gone.
  virtual store::V2Result<store::WatchStart> watch(std::string_view key, bool recursive, bool stream,
                                                   std::uint64_t since_index, store::WatchSink sink) = 0;
  virtual void unwatch(store::WatchId id) = 0;
  // From a watch sink or a write/read callback only: runs `fn` once this round's writers have
  // been answered, outside the store lock.
  virtual void after_answers(std::function<void()> fn) = 0;

  // Membership changes through Raft (the members API).
  virtual void add_member(std::vector<std::string> peer_urls, MemberCallback done) = 0;
  virtual void remove_member(std::uint64_t id, MemberCallback done) = 0;
  virtual void update_member(std::uint64_t id, std::vector<std::string> peer_urls, MemberCallback done) = 0;

  // True once the member hit a fatal error (e.g. the disk failed).
  virtual bool failed() const = 0;
  virtual NodeStatus status() const = 0;
  virtual std::vector<store::Member> members() const = 0;
  virtual std::uint64_t cluster_id() const = 0;
  virtual const Clock& clock() const = 0;
  // Each peer's link figures (/v2/stats/leader, etcd_network_*).
  virtual std::vector<PeerActivity> peer_activity() const = 0;
  // The log position and, on the leader, each follower's progress.
  virtual ReplicationStatus replication() const = 0;
  // How long the WAL's fdatasyncs took (etcd_disk_wal_fsync_duration_seconds).
  virtual HistogramSnapshot wal_fsync_durations() const = 0;
  // Raft-loop event counters for /metrics.
  virtual const NodeMetrics& metrics() const = 0;

 protected:
  // read()'s body: runs `fn` once, holding the store's shared lock, before returning.
  virtual void read_store(FunctionRef<void(const store::Store&, RaftPosition)> fn) const = 0;
};

}  // namespace coord::node
