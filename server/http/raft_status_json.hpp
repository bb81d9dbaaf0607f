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

#include "server/node/node_api.hpp"

namespace coord::http {

// How many entries the follower lacks: last_index - match_index, 0 when it has them all (a match
// past last_index, which a copy of a newer log may show, also counts as 0).
std::uint64_t follower_lag(std::uint64_t last_index, std::uint64_t match_index);

// The body above for member `id`, which knows `leader` (0: none), from its last replication
// copy (node::NodeCore::replication()); no newline; followers in the copy's order.
void append_raft_status_json(std::string& out, std::uint64_t id, std::uint64_t leader,
                             const node::ReplicationStatus& replication);

}  // namespace coord::http
