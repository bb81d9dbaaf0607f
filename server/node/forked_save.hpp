// ForkedSave: a local snapshot captured by fork() and written by the child, so the raft loop pays
// for the fork (copying page tables) instead of serializing the whole store. The child is a
// copy-on-write image of the process at the instant of the fork — the store exactly at the
// applied index — and being single-threaded it may run only what needs no lock another thread
// could have held at the fork: it serializes the store, writes the file with
// Snapshotter::write_file() (same format and durability as Snapshotter::save()), reports through
// a pipe and leaves with _exit(), never logging, never starting a thread.
//
// Report format (child to parent, native byte order: both ends are the same binary):
//   u8 ok | u64 data bytes | i64 marshalling ns | i64 fsync ns | i64 total ns | u32 n | n bytes message
//
// The child closes every descriptor it inherited except its end of the pipe, the read end of its
// snap::PaceBreaker (how a graceful stop ends its pacing) and stdin/out/err before it does
// anything else: it must never hold a listening socket, the data directory's lock
// or a peer connection, so that a parent that dies (even by SIGKILL) can be restarted at once
// on the same ports and directory. A child whose parent dies (even by SIGKILL) is ended by the
// kernel at once (SIGIO, once the report pipe has lost its reader: see end_with_the_parent); a
// temp file it leaves has no WAL marker and is never used (server/node/durable_log.hpp).
//
// No SIGCHLD handler is installed: the child is reaped with waitpid on its own pid, so the
// children other code starts (tests, tools) are left to their owners. A process that ignores
// SIGCHLD (SIG_IGN: the kernel reaps its children) would lose the exit status; coordd does not.
//
// Invariant: a child never outlives its ForkedSave. wait() reaps it; the destructor of a
// ForkedSave not waited for kills the child, reaps it and removes the temp file it may leave.
//
// Thread-safety: start() from the thread that runs the round; the handle then belongs to one
// owner at a time (the snapshot writer thread waits for it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "server/common/status.hpp"
#include "server/raft/types.hpp"
#include "server/snap/snapshotter.hpp"

namespace coord::node {

class ForkedSave {
 public:
  // What the child reported (or why it is a failed write: killed, exited without a report).
  struct Outcome {
    Status status;
    std::uint64_t data_bytes = 0;  // size of the serialized store
    snap::SaveDurations durations;
  };

  // Forks a child that runs `serialize` (the state machine's saved state), writes it as the
  // snapshot `metadata` with `snapshotter` and reports. Returns the fork's errno as an error
  // when no child was started (ENOMEM, EAGAIN: the caller may capture inline instead). The
  // child writes at the snapshotter's pace until `breaker` (if given) is released in this
  // process; it keeps the breaker's read end open, and only that and the report pipe.
  static Result<ForkedSave> start(const snap::Snapshotter& snapshotter, const raft::SnapshotMetadata& metadata,
                                  const std::function<std::string()>& serialize,
                                  const snap::PaceBreaker* breaker = nullptr);

  ForkedSave(ForkedSave&& other) noexcept;
  ForkedSave& operator=(ForkedSave&&) = delete;
  ForkedSave(const ForkedSave&) = delete;
  ForkedSave& operator=(const ForkedSave&) = delete;
  ~ForkedSave();

  // Blocks until the child has ended, reaps it and returns its outcome. A child killed by a
  // signal or exiting without a complete report is a failed write. Call once.
  Outcome wait();

  pid_t pid() const { return pid_; }

 private:
  ForkedSave(pid_t pid, int report_fd, const snap::Snapshotter& snapshotter, const raft::SnapshotMetadata& metadata)
      : pid_(pid), report_fd_(report_fd), snapshotter_(&snapshotter), metadata_(metadata) {}

  pid_t pid_ = -1;      // -1 once reaped (or moved from)
  int report_fd_ = -1;  // the parent's end of the report pipe
  const snap::Snapshotter* snapshotter_;
  raft::SnapshotMetadata metadata_;  // the snapshot the child writes
};

}  // namespace coord::node
