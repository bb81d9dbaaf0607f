// PaceBreaker: ends the waits of a paced snapshot save (snap::SavePacing) from another thread or
// another process. A graceful stop must not wait out the pace: at 128 MiB/s a 10M-key snapshot
// takes 12 s to write, most of it waiting, and once the member stops nothing else needs the disk.
//
// A pipe: the saver waits by polling its read end until the pace's deadline; release() closes
// the write end, after which every wait returns at once. A pipe, not a flag or a condition
// variable, so that it works across fork(): a ForkedSave child inherits the read end (and must
// close its copy of the write end, as it closes every other inherited descriptor), and sees the
// end of the pipe when the parent releases it, or dies.
//
// Thread-safety: release() and the destructor from the owner; wait_until() from the saver
// (another thread, or the child), concurrently with release(). wait_until() is
// async-signal-safe (poll, clock_gettime), as a forked child needs.
#pragma once

#include <atomic>
#include <chrono>

#include "server/common/status.hpp"

namespace coord::snap {

class PaceBreaker {
 public:
  // Creates the pipe; fails when the process is out of descriptors.
  static Result<PaceBreaker> create();

  PaceBreaker(PaceBreaker&& other) noexcept;
  PaceBreaker& operator=(PaceBreaker&&) = delete;
  PaceBreaker(const PaceBreaker&) = delete;
  PaceBreaker& operator=(const PaceBreaker&) = delete;
  ~PaceBreaker();

  // Waits until `deadline`, or until release(). Returns false when released (at once, every
  // time, from then on): the saver then stops pacing.
  bool wait_until(std::chrono::steady_clock::time_point deadline) const;
  // Ends every wait, now and later. Idempotent.
  void release();

  // The descriptor a forked saver keeps open (every other one it closes).
  int read_fd() const { return read_fd_; }

 private:
  PaceBreaker(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}

  int read_fd_ = -1;
  std::atomic<int> write_fd_{-1};  // -1 once released
};

}  // namespace coord::snap
