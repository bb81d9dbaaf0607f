// restart_as_standalone: etcd's --force-new-cluster, the disaster-recovery path for a cluster
// that lost its quorum for good. It rewrites the Raft log of a member that restarts from an
// existing data dir so that the member comes up as the only voter of its cluster, keeping
// everything it had committed:
//   1. entries after the commit index are dropped (the lost members may never have had them);
//   2. conf-change entries are appended after the commit index — adding this member if the
//      log does not list it, then removing every other voter the snapshot and log name;
//   3. they are written to the WAL (fdatasync'ed) with a hard state that commits them, so the
//      member applies them before anything else and then elects itself.
// Later restarts need no flag: the removals are in the log like any other. The removed members
// are refused if they come back (they must be wiped and added again with the members API).
// The cluster id stays the same, so clients and new members see the same cluster.
//
// Call once, on the raft thread before Raft is built from the log (Node::start). Not
// thread-safe (as DurableLog).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/common/status.hpp"
#include "server/node/durable_log.hpp"

namespace coord::node {

// What restart_as_standalone() did, for the log line.
struct StandaloneRestart {
  std::uint64_t commit = 0;                // the new commit index (the last appended entry)
  std::uint64_t dropped = 0;               // uncommitted entries thrown away
  std::vector<std::uint64_t> removed;      // voters removed
  bool added_self = false;                 // the log did not list this member as a voter
};

// Rewrites `log` as described above. `self_peer_urls` are recorded for this member only when
// the log does not list it. When this member already is the only voter, nothing is written.
Result<StandaloneRestart> restart_as_standalone(DurableLog& log, std::uint64_t self,
                                                const std::vector<std::string>& self_peer_urls);

}  // namespace coord::node
