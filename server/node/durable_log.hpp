// DurableLog: the Raft log as it lives on disk and in memory — the WAL (server/wal), the snapshot
// files (server/snap) and the MemoryStorage the Raft core reads — kept in step. It opens a data
// directory (recovering the newest valid snapshot and the WAL after it) or creates a fresh one, and
// persists each Ready's hard state and entries with one write and at most one fdatasync (group
// commit). Used only inside a round (raft_mu_); not thread-safe. Snapshot files are written by a
// SnapshotWriter thread of its own, or by a forked child it waits for (see "Snapshots" below).
//
// Snapshots: capture_snapshot() captures the state — serializing it in the round, or forking a
// child that serializes and writes it (DurableLogOptions::capture, server/node/forked_save.hpp) —
// and start_snapshot() hands already serialized state to the writer; both return at once. When
// the writer reports the file durable (DurableLogOptions::on_snapshot_written, on the writer
// thread) the next round calls finish_snapshot(), which records the WAL marker and only then
// compacts the in-memory log and releases old WAL segments; old snapshot files are removed by the
// writer thread after that (SnapshotWriter::purge_after), never by the round. A child leaves
// no state behind in this process to refresh: the Snapshotter and the PosixFileSystem keep none
// (file lists for purge() are read from the directory each time), and the save's timings come
// back in the child's report.
// Invariants:
//  * at most one local snapshot is in flight;
//  * a WAL marker is never written before its .snap file is durable, and nothing the recovery
//    from an older snapshot needs (WAL segments, snapshot files) is released before the marker
//    of a newer one is durable. So a crash at any point — temp file half written, file written
//    without marker, marker written — restarts from the newest snapshot that has a marker and
//    replays the WAL after it;
//  * a snapshot received from the leader while a local one is in flight wins: the older local
//    result is dropped (no marker, its file removed), never recorded over the newer one.
// The in-memory log keeps only snapshot metadata, and so does what storage() gives Raft
// (LogStorage): a follower's snapshot is streamed from its file by the transport, so the store's
// text is never kept in memory.
//
// Layout (like etcd): <data-dir>/member/wal/*.wal, <data-dir>/member/snap/*.snap.
// WAL metadata record: see kMetadataVersion below.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/common/duration_histogram.hpp"
#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/node/log_storage.hpp"
#include "server/node/node_options.hpp"
#include "server/node/snapshot_writer.hpp"
#include "server/raft/memory_storage.hpp"
#include "server/raft/types.hpp"
#include "server/snap/snapshot_image.hpp"
#include "server/snap/snapshotter.hpp"

namespace coord::wal {
class Wal;
}
namespace coord::snap {
class Snapshotter;
}

namespace coord::node {

// WAL metadata, written at the start of every segment:
//   u8 version (=1) | u64 member id | u64 cluster id        (little-endian)
inline constexpr std::uint8_t kMetadataVersion = 1;

struct DurableLogOptions {
  std::size_t max_snapshots = 5;  // snapshot files kept after a snapshot; 0 keeps them all
  std::size_t max_wals = 5;       // WAL segments kept after a snapshot; 0 keeps them all
  std::uint64_t wal_segment_bytes = 64ull << 20;
  // At most this many bytes of entries stay in memory for slow followers after a snapshot (as
  // well as at most the `keep_entries` finish_snapshot() is given); a follower further behind
  // gets the snapshot. Without it 5,000 entries of 1 MiB values would be 5 GB.
  std::uint64_t catch_up_bytes = 64ull << 20;
  // Where the WAL's fdatasync times go (see wal::WalOptions); may be null.
  DurationHistogram* wal_fsync_durations = nullptr;
  // Where the WAL adds the bytes it writes (see wal::WalOptions); may be null.
  std::atomic<std::uint64_t>* wal_written_bytes = nullptr;
  // Where snapshot saves report their timings (see snap::SaveTimings).
  snap::SaveTimings snap_timings;
  // How fast snapshot files are written (snap::SavePacing).
  snap::SavePacing snap_pacing;
  // Called on the snapshot writer thread when a write started by start_snapshot() (or
  // capture_snapshot()) has ended
  // (durable or failed): it must only wake the raft thread; the next round calls finish_snapshot().
  std::function<void()> on_snapshot_written;
  // How capture_snapshot() captures. kForked needs a FileSystem whose writes reach the disk from
  // another process (PosixFileSystem).
  SnapshotCapture capture = SnapshotCapture::kInline;
  // false: nothing is logged (simulations).
  bool log = true;
};

// What finish_snapshot() did.
enum class SnapshotOutcome {
  kNotReady,   // no write has ended yet (or none was in flight)
  kRecorded,   // the marker is written, the log compacted, old files released
  kDropped,    // a newer snapshot from the leader was installed meanwhile: the local one is dropped
};

class DurableLog {
 public:
  ~DurableLog();

  // Opens `data_dir`, creating it when it holds no WAL yet (then is_new() is true).
  // An existing WAL written by another member id or cluster id is an error.
  static Result<std::unique_ptr<DurableLog>> open(FileSystem& fs, const std::string& data_dir,
                                                  std::uint64_t member_id, std::uint64_t cluster_id,
                                                  DurableLogOptions options);

  // The member id and cluster id recorded in the WAL of `data_dir`; nullopt when it has no WAL
  // yet. A restarting member takes its identity from here, not from the flags: the id of a
  // member added at run time cannot be derived from them. Reads only; repairs nothing.
  static Result<std::optional<std::pair<std::uint64_t, std::uint64_t>>> recorded_identity(
      FileSystem& fs, const std::string& data_dir);

  bool is_new() const { return is_new_; }
  // The snapshot the state machine must be recovered from (empty() when none), without its
  // data: that is recovered_data().
  const raft::Snapshot& recovered_snapshot() const { return recovered_snapshot_; }
  // The recovered snapshot's data (empty when none, or once released): the file, mapped
  // (server/snap/snapshot_image.hpp), so a restart holds no copy of it next to the store it builds.
  std::string_view recovered_data() const { return recovered_image_ ? recovered_image_->data() : std::string_view(); }
  // Unmaps the recovered snapshot's data once the state machine has been rebuilt from it.
  void release_recovered_data() { recovered_image_.reset(); }
  // The cluster id recorded in the WAL (on restart the flags' initial cluster is ignored).
  std::uint64_t cluster_id() const { return cluster_id_; }
  // What the Raft core reads: the in-memory log, snapshot data from the snapshot files.
  raft::Storage& storage() { return log_storage_; }
  // The in-memory log itself (snapshot metadata only).
  const raft::MemoryStorage& memory() const { return storage_; }

  // Persists a Ready's hard state and entries (WAL first, then the in-memory log).
  Status save(const std::optional<raft::HardState>& hard_state, const std::vector<raft::Entry>& entries,
              bool sync);
  // Persists a snapshot received from the leader (file, then marker, in this thread) and makes
  // it the base of the in-memory log. A local snapshot still in flight is dropped when it ends.
  // A snapshot without data is one whose file the transport has already received, checked and
  // made durable in the snapshot directory (server/snap/snapshot_file_receiver.hpp): only its
  // marker is written (kNotFound when the file is not there). One with data (tests, simulations)
  // has its file written here first.
  Status save_received_snapshot(const raft::Snapshot& snapshot);
  // The data of the snapshot file of `point` (index and term), checked, mapped rather than
  // copied (server/snap/snapshot_image.hpp): what a received snapshot is installed from.
  Result<snap::SnapshotImage> snapshot_image(const raft::SnapshotMetadata& point);
  // Where the snapshot files of `data_dir` live (<data-dir>/member/snap).
  static std::string snapshot_dir(const std::string& data_dir);

  // Starts a snapshot of the applied state at `index` (`data` is the state machine's saved
  // state at exactly that index): the file is written and fsync'ed on the writer thread.
  // Check-fails when a snapshot is already in flight; an error when `index` is not in the
  // in-memory log.
  Status start_snapshot(std::uint64_t index, const raft::ConfState& conf_state, std::string data);
  // Starts a snapshot of the applied state at `index`; `serialize` returns the state machine's
  // saved state at exactly that index. kInline: called here, then start_snapshot(). kForked:
  // the process forks and the child calls `serialize` and writes the file; the snap_before_save
  // failpoint is evaluated here, before the fork (so its stall pauses the round). When fork()
  // fails the capture is inline for this snapshot (a warning is logged the first time).
  Status capture_snapshot(std::uint64_t index, const raft::ConfState& conf_state,
                          const std::function<std::string()>& serialize);
  // True from start_snapshot() until finish_snapshot() has acted on its result.
  bool snapshot_in_flight() const;
  // Acts on a finished write: records the WAL marker, compacts the in-memory log keeping
  // `keep_entries` entries for slow followers, releases old WAL segments and snapshot files.
  // Never blocks on the writer. A failed write is returned as an error (the disk is failing).
  // `follower_has` (0: none): a follower's log ends there (the snapshot it is being sent). The
  // entries after it are what it needs next, so they are kept as well while the entries kept
  // fit in catch_up_bytes: otherwise a follower whose snapshot takes longer to send than the
  // load takes to pass keep_entries would be sent snapshot after snapshot and never catch up.
  Result<SnapshotOutcome> finish_snapshot(std::uint64_t keep_entries, std::uint64_t follower_has = 0);
  // Like finish_snapshot(), but waits for a write in flight to end first (kNotReady only when
  // none is in flight), no longer paced (SnapshotWriter::hurry). For a graceful stop: the next
  // start then replays less WAL, and the stop does not wait out the pace (12 s at 10M keys).
  Result<SnapshotOutcome> wait_and_finish_snapshot(std::uint64_t keep_entries, std::uint64_t follower_has = 0);
  // start_snapshot(), then waits for the write and finish_snapshot(): for tests and tools.
  Result<SnapshotOutcome> create_snapshot(std::uint64_t index, const raft::ConfState& conf_state, std::string data,
                                          std::uint64_t keep_entries, std::uint64_t follower_has = 0);
  // The size of the data of the snapshot finish_snapshot() last recorded (0 before any).
  std::uint64_t recorded_snapshot_bytes() const { return recorded_snapshot_bytes_; }
  // Has the snapshot writer thread destroy `garbage` (SnapshotWriter::dispose): what a round
  // must not spend its time freeing, such as the store state a received snapshot replaced.
  template <class T>
  void dispose(T garbage) {
    writer_->dispose(std::move(garbage));
  }
  // Waits for a write in flight to end and joins the writer thread; its result is dropped (the
  // file has no marker, so it is never used). Called before the owner of on_snapshot_written
  // goes away; also done by the destructor. Idempotent.
  void stop_snapshot_writer();

 private:
  DurableLog(FileSystem& fs, std::string data_dir, DurableLogOptions options);
  // A PaceBreaker for the next snapshot write (null when it is not paced, or when its pipe
  // cannot be made).
  std::shared_ptr<snap::PaceBreaker> pace_breaker() const;
  Result<SnapshotOutcome> record_snapshot(SnapshotWriter::Finished written, std::uint64_t keep_entries,
                                          std::uint64_t follower_has);

  FileSystem& fs_;
  const std::string data_dir_;
  const DurableLogOptions options_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<snap::Snapshotter> snapshotter_;
  raft::MemoryStorage storage_;     // snapshot metadata only, never its data
  LogStorage log_storage_{storage_};
  std::unique_ptr<SnapshotWriter> writer_;  // its thread runs from construction to destruction
  raft::Snapshot recovered_snapshot_;  // metadata only
  std::optional<snap::SnapshotImage> recovered_image_;  // its data, until release_recovered_data()
  std::uint64_t cluster_id_ = 0;
  bool is_new_ = false;
  std::uint64_t recorded_snapshot_bytes_ = 0;
  bool fork_failure_logged_ = false;
};

}  // namespace coord::node
