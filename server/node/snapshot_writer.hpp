// SnapshotWriter: writes snapshot files on a thread of its own, so the raft loop does not stop for
// the write and fsync of hundreds of MB. A round captures the state, submit()s it and goes on;
// when the file is durable (or the write failed) the writer calls `on_finished`, and a later
// round collects the result with take_finished(), then records the WAL marker and compacts
// (DurableLog::finish_snapshot). A snapshot captured by fork() (ForkedSave) is written by the
// child; the writer thread then only waits for it and turns its report into the same result.
//
// Old snapshot files are purged on the writer thread too (purge_after()): removing a file of
// hundreds of MB drops its cached pages, 12-46 ms that a round would otherwise spend while every
// write waits.
//
// Invariant: at most one snapshot is in flight. A snapshot counts as in flight from submit()
// until its result is taken, not merely until its write ends, so a second submit() cannot start
// before a round has acted on the first.
//
// Thread-safety: submit(), purge_after(), take_purge_failure(), in_flight(), take_finished(),
// hurry(), wait() and stop() are for one owner
// (inside a round; stop() also from whoever destroys the owner once the raft thread is gone).
// `on_finished` runs on the writer thread, without any lock held; it must only wake the owner.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/common/status.hpp"
#include "server/node/forked_save.hpp"
#include "server/raft/types.hpp"
#include "server/snap/snapshotter.hpp"

namespace coord::node {

class SnapshotWriter {
 public:
  // What a write came to: the snapshot given to submit() (its data still attached, handed back
  // so the caller can decide what to keep) and the status of Snapshotter::save().
  // A forked write hands back the metadata only (the data lived in the child); `data_bytes` is
  // the size of the data either way.
  struct Finished {
    raft::Snapshot snapshot;
    Status status;
    std::uint64_t data_bytes = 0;
  };

  // Starts the writer thread. `snapshotter` must outlive the writer.
  SnapshotWriter(snap::Snapshotter& snapshotter, std::function<void()> on_finished);
  // Joins the writer (see stop()).
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Hands `snapshot` to the writer thread. Check-fails when one is already in flight. The write
  // is paced (snap::SavePacing) until hurry() releases `breaker`; without one, until it ends.
  void submit(raft::Snapshot snapshot, std::shared_ptr<snap::PaceBreaker> breaker = nullptr);
  // Like submit(), for a snapshot `child` writes (`metadata` is what it writes): the writer
  // thread waits for the child, then evaluates the snap_after_save failpoint (a child fires none)
  // and records the child's timings, as Snapshotter::save() would have. `breaker` is the one
  // the child was started with (ForkedSave::start).
  void submit_forked(const raft::SnapshotMetadata& metadata, ForkedSave child,
                     std::shared_ptr<snap::PaceBreaker> breaker = nullptr);
  // Ends the pacing of the write in flight, if any: it goes on at the disk's speed (a graceful
  // stop waits for it). stop() does this too.
  void hurry();
  // Has the writer thread run Snapshotter::purge(keep, recorded) before its next job; a newer
  // request replaces one not yet run. Call only once `recorded`'s WAL marker is durable.
  void purge_after(std::size_t keep, const raft::SnapshotMetadata& recorded);
  // The error of the last purge that failed (ok when none), cleared by the call.
  Status take_purge_failure();
  // Has the writer thread destroy `garbage`: the entries a compaction discarded (thousands that
  // io threads allocated), the store state a received snapshot replaced (a whole tree), whose
  // freeing would otherwise hold up a round.
  template <class T>
  void dispose(T garbage) {
    dispose_erased(std::make_unique<Held<T>>(std::move(garbage)));
  }
  // True from submit() until take_finished() (or wait()) returned its result.
  bool in_flight() const;
  // The result of the in-flight snapshot once its write has ended; nullopt while it is still
  // being written or when none is in flight. Never blocks on the write.
  std::optional<Finished> take_finished();
  // Blocks until the in-flight write has ended and returns its result (tests and the
  // synchronous DurableLog::create_snapshot). Check-fails when none is in flight.
  Finished wait();
  // Lets a write in progress finish, no longer paced (a half-written temp file would be cleaned at the next
  // start anyway, but a finished one costs nothing to keep) — a forked child included: once
  // stop() returns, the child has been reaped — then joins the thread. A result
  // not yet taken is dropped: without its WAL marker the file is never used. A purge asked for
  // runs before the thread ends. Idempotent.
  void stop();

 private:
  // What a round handed over: the data to write, or the child that writes it.
  struct Job {
    raft::Snapshot snapshot;
    std::unique_ptr<ForkedSave> child;  // null: written here
    std::shared_ptr<snap::PaceBreaker> breaker;  // also in breaker_ until the result is taken
  };

  void submit_job(Job job);
  void run();
  // Writes `job` (or waits for its child). Called on the writer thread, without the lock.
  // Anything dispose() takes: destroyed, whatever it is, with the unique_ptr holding it.
  struct Garbage {
    virtual ~Garbage() = default;
  };
  template <class T>
  struct Held final : Garbage {
    explicit Held(T v) : value(std::move(v)) {}
    T value;
  };
  void dispose_erased(std::unique_ptr<Garbage> garbage);

  Finished write(Job job);
  // Hands out finished_ and ends the write in flight. Called with mu_ held and finished_ set.
  Finished take_locked();

  // Constant after construction.
  snap::Snapshotter& snapshotter_;
  const std::function<void()> on_finished_;

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  struct Purge {
    std::size_t keep;
    raft::SnapshotMetadata recorded;
  };
  std::optional<Job> pending_;             // submitted, not yet picked up by the writer thread
  std::optional<Purge> purge_;             // asked for, not yet started
  std::vector<std::unique_ptr<Garbage>> garbage_;  // handed to dispose(), not yet destroyed
  Status purge_failure_;                   // of the last purge that failed, until taken
  std::optional<Finished> finished_;       // written, not yet taken by the owner
  std::shared_ptr<snap::PaceBreaker> breaker_;  // of the snapshot in flight (may be null)
  bool in_flight_ = false;
  bool stopping_ = false;

  std::thread thread_;  // last: started once everything above is constructed
};

}  // namespace coord::node
