// Config: the parameters a Raft member starts with. A plain value, read once by the RawNode
// constructor. All timing is in ticks: the caller decides how long a tick is (coordd: the
// --heartbeat-interval), so the core never reads a clock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "server/common/status.hpp"
#include "server/raft/types.hpp"

namespace coord::raft {

class Storage;

struct Config {
  NodeId id = kNoNode;  // this member's id; must not be kNoNode
  // A follower that hears nothing from a leader for a randomized timeout in
  // [election_tick, 2 * election_tick) ticks starts an election. Must exceed heartbeat_tick.
  int election_tick = 10;
  // A leader sends heartbeats every heartbeat_tick ticks.
  int heartbeat_tick = 1;
  // The last index the application has applied (on restart: the index its state was
  // recovered to, e.g. the snapshot's). Committed entries after it are handed out again in
  // Ready. Must not exceed the persisted commit index.
  std::uint64_t applied = 0;
  // Cap on the entry bytes in one append message (at least one entry is always sent).
  std::size_t max_size_per_msg = 1 << 20;
  // Cap on append messages in flight to one follower in the replicate state.
  std::size_t max_inflight_msgs = 512;
  // Pre-vote (Raft thesis §9.6): a candidate first asks whether it could win, without bumping
  // terms, so a partitioned node rejoining cannot disrupt a working cluster.
  bool pre_vote = true;
  // A leader that has not heard from a quorum within an election timeout steps down; followers
  // that heard from a leader recently ignore vote requests (leader lease for ReadIndex too).
  bool check_quorum = true;
  // Seeds the PRNG behind the randomized election timeout; the only randomness in the core.
  std::uint64_t seed = 0;
  // The persisted log; not owned, must outlive the RawNode.
  Storage* storage = nullptr;

  // Ok, or invalid_argument naming the bad field.
  Status validate() const;
};

}  // namespace coord::raft
