// Snapshotter: stores Raft snapshots as files in <data-dir>/member/snap (format:
// server/snap/snap_format.hpp). A save writes a temp file, fsyncs it, renames it into place and
// fsyncs the directory, so a crash leaves either the old set of snapshots or the old set plus a
// complete new one — never a half-written "newest" snapshot (etcd#5518). A load returns the
// newest snapshot that passes its CRC; bad ones are renamed ".broken" and skipped.
//
// Order with the WAL (the caller's job): save the snapshot file, then the WAL snapshot marker,
// then anything after it; never purge an old snapshot before the new one is durable.
//
// Thread-safety: a Snapshotter holds no mutable state of its own and its FileSystem is safe for
// concurrent use, so save() of one snapshot may run on a writer thread while a round
// saves a different one (a snapshot received from the leader) or reads one with load_at().
// remove() and the load*() calls that clean up (load, load_newest_available) must not overlap a
// save(): the caller (DurableLog) runs them only while no save is in flight. purge() may: it
// neither counts nor touches anything newer than the snapshot it is given.
// write_file() is save() without its failpoints and histograms: it takes no lock and logs
// nothing, so a forked child may run it (server/node/forked_save.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "server/common/duration_histogram.hpp"
#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/raft/types.hpp"
#include "server/snap/pace_breaker.hpp"
#include "server/snap/snapshot_image.hpp"

namespace coord::snap {

// Where save() reports how long its parts took (etcd's etcd_debugging_snap_save_marshalling_
// duration_seconds, etcd_snap_fsync_duration_seconds, etcd_debugging_snap_save_total_duration_
// seconds); each may be null and must outlive the Snapshotter.
struct SaveTimings {
  DurationHistogram* marshalling = nullptr;  // the header and the CRC over the data
  DurationHistogram* fsync = nullptr;        // writing and syncing the file
  DurationHistogram* total = nullptr;        // the whole save, rename and directory sync included
};

// How long the parts of one save took (what SaveTimings records).
struct SaveDurations {
  std::chrono::nanoseconds marshalling{0};
  std::chrono::nanoseconds fsync{0};
  std::chrono::nanoseconds total{0};
};

// How fast save() writes a file's data. A snapshot is written while the raft loop goes on
// syncing the WAL on the same disk, and every WAL fdatasync waits behind the snapshot's writes
// the disk has queued: unpaced, a 1M-key load with snapshots every 10,000 entries saw WAL syncs
// of 16-64 ms and PUTs of up to 25-30 ms; at 128 MiB/s, PUT p99 fell by a quarter and the worst
// PUT by about 5 ms (test/bench/RESULTS.md, seventh pass). The price: each snapshot takes longer
// (12 s for the 1.5 GB of 10M keys), so there are fewer of them and the log held in memory
// between them is longer. A graceful stop does not wait that out: it releases the save's
// PaceBreaker and the rest is written at the disk's speed.
struct SavePacing {
  static constexpr std::uint64_t kDefaultBytesPerSecond = 128ull << 20;
  std::uint64_t bytes_per_second = kDefaultBytesPerSecond;  // 0: as fast as the disk takes it
  // How the writer waits until a deadline; null: the save's PaceBreaker, or without one
  // std::this_thread::sleep_until (a test's hook ignores the breaker). Called in a
  // forked child too: it must not allocate or take locks (sleeping is async-signal-safe).
  std::function<void(std::chrono::steady_clock::time_point)> sleep_until;
};

class Snapshotter {
 public:
  Snapshotter(FileSystem& fs, std::string dir, SaveTimings timings = {}, SavePacing pacing = {})
      : fs_(fs), dir_(std::move(dir)), timings_(timings), pacing_(std::move(pacing)) {}

  // Durably writes "<term>-<index>.snap" (creating the directory if needed). The data is
  // written from the snapshot's own string; nothing is copied. Paced (SavePacing) until
  // `breaker`, when given, is released; from then on at the disk's speed.
  Status save(const raft::Snapshot& snapshot, const PaceBreaker* breaker = nullptr);
  // The file part of save(): the same bytes, the same temp file, fsyncs, rename and directory
  // sync, paced (SavePacing), but no failpoint and nothing observed; the parts' durations go to
  // `durations`. Uses only the FileSystem, malloc and the pacing's sleep.
  Status write_file(const raft::Snapshot& snapshot, SaveDurations& durations,
                    const PaceBreaker* breaker = nullptr) const;
  // Removes the temp file a save of `point` may have left (one that was stopped midway); ok
  // when there is none.
  Status remove_temp_file(const raft::SnapshotMetadata& point) const;
  // Adds `durations` to the SaveTimings histograms (a save done elsewhere, e.g. by a child).
  void record_timings(const SaveDurations& durations) const;
  // The newest valid snapshot. Files that fail their checks are renamed "<name>.broken";
  // leftover temp files of a crashed save are removed. kNotFound when there is none.
  Result<raft::Snapshot> load();
  // Like load(), but only a snapshot whose (index, term) is in `usable` qualifies — e.g. the
  // WAL's snapshot markers, so the chosen snapshot is one the WAL can replay from. Valid
  // snapshots outside `usable` are left alone; an empty `usable` means none qualifies (a crash
  // before the first marker: replay the whole WAL), never "any".
  Result<raft::Snapshot> load_newest_available(const std::vector<raft::SnapshotMetadata>& usable);
  // A restart's candidates: the points (index and term) the snapshot files name, newest first,
  // after removing leftover temp files of a crashed save; empty when there is no snapshot
  // directory. Each is then tried with load_candidate().
  Result<std::vector<raft::SnapshotMetadata>> candidates_newest_first();
  // The snapshot file for `point`, checked like load() checks (and that its header names
  // `point`), mapped rather than read (SnapshotImage: a restart then holds no copy of the whole
  // image next to the store it builds); a file that fails its checks is renamed "<name>.broken"
  // and kCorruption returned (the caller tries an older candidate).
  Result<SnapshotImage> load_candidate(const raft::SnapshotMetadata& point);
  // The snapshot file for exactly `point` (its index and term), checked like load() checks, but
  // never renamed or removed: kNotFound when there is no such file, kCorruption when it fails
  // its checks. Used to hand a stored snapshot to a follower without keeping it in memory.
  Result<raft::Snapshot> load_at(const raft::SnapshotMetadata& point);
  // Removes the file of the snapshot at `point` (one that will never get a WAL marker); ok when
  // there is none.
  Status remove(const raft::SnapshotMetadata& point);
  // Removes all but the newest `keep` snapshot files at or before `newest` (--max-snapshots;
  // `newest` is the snapshot the WAL marker points at, so keep >= 1 never removes it). Files
  // after `newest` (one being saved meanwhile, or received from the leader) are neither counted
  // nor removed, and a file someone else removed first is not an error.
  Status purge(std::size_t keep, const raft::SnapshotMetadata& newest);
  // The snapshot file names, oldest first.
  Result<std::vector<std::string>> snapshot_names();

  const std::string& dir() const { return dir_; }

 private:
  // The newest valid snapshot among `only` (every one when null).
  Result<raft::Snapshot> load_newest(const std::vector<raft::SnapshotMetadata>* only);
  Result<raft::Snapshot> read(const std::string& name);
  Status remove_temp_files();
  Status quarantine(const std::string& name);

  FileSystem& fs_;
  const std::string dir_;
  const SaveTimings timings_;
  const SavePacing pacing_;
};

}  // namespace coord::snap
