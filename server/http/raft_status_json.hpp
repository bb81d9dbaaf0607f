// The dashboard's view of Raft replication (GET /ui/api/raft, server/ui/assets/app.js): this
// member's term, commit and last index and, on the leader, each follower's match and next index,
// progress state and lag. coord's own format, not etcd's (whose /v2/stats/leader has no indexes and
// stays as etcd writes it). Holds ids and indexes only, no key data: like the stats endpoints it
// needs no credentials. Pure functions and plain values; safe to call from any thread.
//
//   {"id":"<hex>","leader":"<hex>","term":N,"commitIndex":N,"lastIndex":N,
//    "followers":[{"id":"<hex>","matchIndex":N,"nextIndex":N,"state":"probe|replicate|snapshot",
//                  "lag":N},...]}
//
// leader is "0" when none is known; followers is [] on a member that does not lead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/raft/raw_node.hpp"

namespace coord::http {

// One follower as the leader last copied its progress (node::FollowerProgress).
struct RaftFollowerView {
  std::uint64_t id = 0;
  std::uint64_t match_index = 0;
  std::uint64_t next_index = 0;
  raft::ProgressState state = raft::ProgressState::kProbe;
};

struct RaftStatusView {
  std::uint64_t id = 0;
  std::uint64_t leader = 0;
  std::uint64_t term = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t last_index = 0;  // of the copy the followers' indexes come from
  std::vector<RaftFollowerView> followers;
};

// How many entries the follower lacks: last_index - match_index, 0 when it has them all (a match
// past last_index, which a copy of a newer log may show, also counts as 0).
std::uint64_t follower_lag(std::uint64_t last_index, std::uint64_t match_index);

// The body above, with no newline; followers in the order given.
void append_raft_status_json(std::string& out, const RaftStatusView& view);

}  // namespace coord::http
