// Wal: the Raft log on disk — hard state, entries and snapshot markers appended to segmented,
// preallocated files with a CRC-32C on every record (format: server/wal/wal_format.hpp).
//
// Durability: save() writes a whole Ready (entries, then hard state) as one write followed by
// one fdatasync (group commit); a segment is cut after a record once it is full, and every new
// segment is created as a temp file, synced, renamed and made durable with a directory fsync.
//
// Zero-filled ahead: a segment is preallocated (fallocate), but the file system keeps such blocks
// "unwritten", and the first write into one changes the file's block map, so its fdatasync has
// to commit the journal as well (and wait for whatever else that commit carries: a snapshot's
// blocks, other files). The WAL therefore writes zeros up to kZeroAheadBytes past its data, a
// slice at a time, in the same write path: most fdatasyncs then find only data to flush.
//
// Recovery: open() replays every segment from the one that covers the given snapshot. A torn
// tail of the last segment (a record cut short, zeroed or garbled by a crash, with nothing
// valid after it, or with valid records after it that an unsynced write's sectors landing out
// of order explain: a whole zeroed sector, or zeros from the bad record's start to its sector's
// end) is repaired once: the segment is copied to "<segment>.broken" (".broken.N" when an
// earlier copy exists) and truncated after the last good record. Nothing after that record was
// acknowledged: its fdatasync would have made the bad record whole. Anything else — a bad
// record with valid records after it and no such sign, a damaged segment that is not the last,
// a gap in the segment sequence or in the entry indexes — is a hard error naming the file and
// offset; the server must refuse to start.
//
// Thread-safety: none. A Wal has one caller at a time: inside a round (server/README.md). It holds
// an exclusive lock on its directory until close() or destruction.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/common/duration_histogram.hpp"
#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/raft/types.hpp"
#include "server/wal/wal_format.hpp"

namespace coord::wal {

struct WalOptions {
  // Size each segment is preallocated to; a segment is cut once its data reaches this size.
  std::uint64_t segment_bytes = 64 << 20;
  // When set, the time of every fdatasync of a save() is observed there (etcd's
  // etcd_disk_wal_fsync_duration_seconds). Must outlive the WAL.
  DurationHistogram* fsync_durations = nullptr;
  // When set, the bytes of every record batch written are added there, relaxed (etcd's
  // etcd_disk_wal_write_bytes_total). Must outlive the WAL.
  std::atomic<std::uint64_t>* written_bytes = nullptr;
};

// What open() read back.
struct WalContents {
  std::string metadata;       // as given to create()
  raft::HardState hard_state;  // the latest one saved (empty when none was)
  std::vector<raft::Entry> entries;  // after the snapshot index, contiguous, overwrites applied
  raft::SnapshotMetadata snapshot;   // the marker replay started from ({0,0} for none)
  // The WAL holds a snapshot marker for open()'s `from` (not only the entry at that index and
  // term): a snapshot file at `from` was recorded as complete before anything after it.
  bool marker_for_from = false;
};

class Wal {
 public:
  // Creates a new WAL in `dir` (made if missing) whose first segment records `metadata`.
  // Fails when `dir` already holds a WAL.
  static Result<std::unique_ptr<Wal>> create(FileSystem& fs, std::string dir, std::string metadata,
                                             WalOptions options = {});
  // Opens an existing WAL and reads everything after `from` (a snapshot's index/term, or {0,0}
  // for the whole log). When `from` is not {0,0} the WAL must contain its snapshot marker (or
  // the entry with that index and term); if not, the result is kNotFound — a crash came between
  // saving the snapshot file and its marker: open from an older snapshot instead (see
  // snapshot_markers()). Repairs a torn tail once (see above); other damage is kCorruption.
  static Result<std::pair<std::unique_ptr<Wal>, WalContents>> open(FileSystem& fs, std::string dir,
                                                                   raft::SnapshotMetadata from,
                                                                   WalOptions options = {});
  // True when `dir` holds at least one WAL segment.
  static bool exists(FileSystem& fs, const std::string& dir);
  // Every snapshot marker in the WAL, oldest first, read without opening it for writing (the
  // WAL must not be open). Pass them to Snapshotter::load_newest_available() to choose a
  // snapshot open() can start from. Damage is left for open() to judge: markers after it are
  // simply not returned.
  static Result<std::vector<raft::SnapshotMetadata>> snapshot_markers(FileSystem& fs, const std::string& dir);

  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends `entries` and then the hard state (when non-empty) as ONE write, then one fdatasync
  // when `sync`. Entries that overwrite a suffix (same index, newer term) are fine: replay keeps
  // the later record and drops what followed it. After any I/O error the Wal refuses further
  // writes (the state of the file is unknown); the server must restart and recover.
  Status save(const raft::HardState& hard_state, const std::vector<raft::Entry>& entries, bool sync);
  // Records that a snapshot at (index, term) exists, so replay can start there. Always synced.
  // Save the snapshot file first, then the marker, then anything after it.
  Status save_snapshot_marker(const raft::SnapshotMetadata& snapshot);
  // Deletes the oldest segments whose entries are all <= `index`, keeping at least `keep`
  // segment files (--max-wals) and always the segment being written.
  Status release_to(std::uint64_t index, std::size_t keep = 5);
  // Syncs and closes the current segment and releases the directory lock.
  Status close();

  // The index of the last entry written (or of the newest snapshot marker past it).
  std::uint64_t last_index() const { return last_index_; }
  // The segment files, oldest first.
  std::vector<std::string> segment_files() const;

 private:
  Wal(FileSystem& fs, std::string dir, std::string metadata, WalOptions options, std::unique_ptr<DirLock> lock);

  Status check_appendable(const std::vector<raft::Entry>& entries) const;
  Status create_segment(std::uint64_t seq, std::uint64_t first_index);
  Status write_buffer(bool sync);
  Status zero_ahead(std::uint64_t data_end);
  Status cut();
  Status fail(Status s);
  std::string path_of(const SegmentName& s) const;

  FileSystem& fs_;
  const std::string dir_;
  const std::string metadata_;
  const WalOptions options_;
  std::unique_ptr<DirLock> lock_;

  std::unique_ptr<File> file_;         // the last segment, open for writing
  std::deque<SegmentName> segments_;   // oldest first; back() is file_
  std::uint64_t offset_ = 0;           // end of data in file_
  // End of the zeros written ahead of the data in file_ (0: none yet). Zeros are only ever
  // written at or past offset_, where the segment holds zeros already (preallocated, or the
  // clean end replay checked), so they never touch a record.
  std::uint64_t zeroed_end_ = 0;
  std::uint64_t last_index_ = 0;
  raft::HardState hard_state_;
  raft::SnapshotMetadata marker_;      // the newest snapshot marker ({0,0} for none)
  std::string buf_;                    // reused encoding buffer
  Status broken_;                      // the first I/O error; once set, every write fails
  bool closed_ = false;

};

}  // namespace coord::wal
