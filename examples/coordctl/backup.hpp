// coordctl backup --data-dir DIR --backup-dir DIR2: a consistent copy of a coordd member's Raft
// log — the snapshot files and the WAL segments of DIR/member — in DIR2/member, taken while
// coordd runs (it reads files, it takes no lock). Restore by starting coordd on a copy of DIR2
// with --force-new-cluster: the member comes up as the only voter of its cluster with every
// entry the copy had committed (README, "Backup and restore").
//
// Consistency: the WAL is copied first, then the snapshot files, so that every snapshot marker
// the copied WAL holds has its file in the copy (coordd writes a snapshot file before its
// marker, and releases old files only after a newer marker). The copy is then opened the way
// coordd opens a data dir — the newest snapshot the WAL has a marker for, every entry after it,
// the torn tail of the segment being written cut off — and must pass; if coordd cut, released
// or wrote past what was read meanwhile, the copy is taken again (up to 5 times; the same
// failure twice means the data dir itself is bad, and ends it). The copy is built in
// DIR2/member.partial and renamed into place only once it passed; a failed backup leaves nothing.
//
// Differences from etcdctl v2's backup: the member and cluster ids are kept (as etcdctl's
// --keep-cluster-id); --force-new-cluster removes the other members from the log instead, and
// refuses them if they come back. Single-threaded.
#pragma once

#include "examples/coordctl/command_line.hpp"

namespace coord::examples {

int run_backup(const CommandLine& cl);

}  // namespace coord::examples
