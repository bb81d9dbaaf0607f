// RawNode: the Raft consensus core as a pure state machine (README.md, the project's style). Inputs
// are tick(), step(), propose(), propose_conf_change(), read_index(), transfer_leadership();
// output is a Ready batch, acknowledged with advance(). No sockets, threads, clocks or files:
// the raft loop drives it. Not thread-safe: call only inside a round (server/README.md).
//
// Handling a Ready (the required order):
//   1. If ready.snapshot is not empty: persist it (snapshot file + WAL record), then
//      MemoryStorage::apply_snapshot() and load it into the state machine.
//   2. Persist ready.hard_state (if set) and ready.entries (WAL append, then
//      MemoryStorage::append / set_hard_state); fsync when ready.must_sync.
//   3. Send ready.messages. A leader MAY send them before step 2 completes (its own entries
//      count toward the quorum only in the sense that it will persist them before applying).
//      Every other role (follower, candidates) MUST send only after step 2 is durable: votes and
//      append acknowledgements promise persisted state. When unsure, always send after step 2.
//   4. Apply ready.committed_entries in order. For an entry of type kConfChange, decode the
//      ConfChange (codec.hpp) and call apply_conf_change(). committed_entries may include
//      entries from ready.entries of the same Ready: they were persisted in step 2.
//   5. Serve ready.read_states once the applied index >= ReadState::index.
//   6. Call advance(ready).
// A Ready is only valid until advance(); call ready() again only after advance().
//
// Bootstrapping a brand-new cluster: every initial member calls bootstrap(voters) with the same
// voter list on an empty Storage. It appends one kAddNode ConfChange entry per voter at term 1
// (indices 1..n, already committed), exactly as etcd does, so that the first Ready carries
// them to persist and to apply. Restarting: construct with the persisted Storage and
// Config::applied = the index the state machine was recovered to (e.g. the snapshot index);
// committed conf changes after it come back in committed_entries and must be re-applied.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/common/status.hpp"
#include "server/raft/config.hpp"
#include "server/raft/message.hpp"
#include "server/raft/ready.hpp"
#include "server/raft/types.hpp"

namespace coord::raft {

class Raft;

enum class ProgressState : std::uint8_t { kProbe = 0, kReplicate = 1, kSnapshot = 2 };
const char* to_string(ProgressState s);

// What a leader knows about one member's log.
struct ProgressInfo {
  std::uint64_t match = 0;  // highest index known replicated there
  std::uint64_t next = 0;   // next index to send
  ProgressState state = ProgressState::kProbe;
  bool recent_active = false;
  std::uint64_t pending_snapshot = 0;  // index of the snapshot in flight (kSnapshot state)
};

struct RaftStatus {
  NodeId id = kNoNode;
  std::uint64_t term = 0;
  NodeId vote = kNoNode;
  std::uint64_t commit = 0;
  std::uint64_t applied = 0;
  NodeId lead = kNoNode;
  Role role = Role::kFollower;
  NodeId lead_transferee = kNoNode;
  ConfState conf_state;
  std::map<NodeId, ProgressInfo> progress;  // filled only on the leader, self included
};

class RawNode {
 public:
  // Restores term, vote, commit and membership from config.storage. Aborts (COORD_CHECK) if the
  // config is invalid (Config::validate) or the storage cannot be read: both are bugs of the
  // caller, not runtime conditions.
  explicit RawNode(const Config& config);
  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Initializes a brand-new member of a brand-new cluster (see the file comment). Errors if
  // the storage is not empty or voters is empty / contains kNoNode.
  Status bootstrap(std::vector<NodeId> voters);

  // Advances the logical clock by one tick (election timeout, heartbeats, check-quorum).
  void tick();
  // Starts an election now (pre-vote first when enabled), as if the election timer fired.
  void campaign();
  // Feeds a message received from a peer. A message no correct member sends (a local type,
  // term 0 on anything but a forwarded proposal or read, entries that do not follow, a commit
  // index past our log, a vote request from a non-voter: check_network_message() and
  // Raft::check_against_state()) is refused with kInvalidArgument and changes nothing;
  // messages from stale terms are ignored (ok). A request forwarded by a
  // peer (kProp, kReadIndex, kTransferLeader) that this node cannot serve returns why (e.g.
  // kUnavailable "no leader", "conf change pending"): informational, never fatal, the peer's
  // caller times out and retries.
  Status step(const Message& m);
  // Proposes an application command. At the leader, proposals made between two Readies are sent to
  // followers together, in one append each. At a follower it is forwarded to the leader. Fails with
  // kUnavailable "no leader" when no leader is known, or while a leadership transfer is under way;
  // never drops silently. A forwarded proposal may still be lost on the way (the caller times out
  // and retries, as with any request).
  Status propose(std::string data);
  // Proposes a single-server membership change. Same failure cases as propose(); the leader also
  // refuses (kUnavailable "conf change pending") while an earlier change is not yet applied.
  Status propose_conf_change(const ConfChange& cc);
  // Applies a committed conf change to the membership (call from Ready handling step 4) and
  // returns the resulting voters. A leader that removes itself steps down.
  ConfState apply_conf_change(const ConfChange& cc);
  // Requests a linearizable read point for `context` (unique per request). The answer comes in
  // a later Ready's read_states. kUnavailable "no leader" when none is known; a leader that has
  // not committed an entry in its term yet answers once it has. Reads queued at a leader
  // share one heartbeat round (sent with the next Ready). A request can be lost (message loss,
  // leader change): the caller times out and retries.
  Status read_index(std::string context);
  // Asks the leader to hand leadership to `to` (which must be a voter). Ignored when already
  // leader is `to` or no leader is known.
  void transfer_leadership(NodeId to);
  // The transport could not deliver to `id`: the leader drops back to probing it.
  void report_unreachable(NodeId id);
  // The snapshot sent to `id` was delivered (ok) or failed: resume replication to it.
  void report_snapshot(NodeId id, bool ok);

  bool has_ready() const;
  Ready ready();
  // Acknowledges that everything in `rd` was persisted, sent and applied as described above.
  void advance(const Ready& rd);

  RaftStatus status() const;

 private:
  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_;
  HardState prev_hard_;
};

}  // namespace coord::raft
