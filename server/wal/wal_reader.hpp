// Reading a WAL back: scanning one segment's bytes into records (and classifying how the scan
// ended), and replaying all segments into WalContents. Used by Wal::open(); pure functions over
// a FileSystem, no state of their own; call from one thread at a time per directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/common/file.hpp"
#include "server/wal/wal.hpp"
#include "server/wal/wal_format.hpp"

namespace coord::wal {

struct RawRecord {
  RecordType type;
  std::string_view payload;  // points into the scanned bytes
  std::uint64_t offset;      // of the record's length word in the segment
};

// How a segment's data ends.
enum class SegmentEnd {
  kClean,    // the last record is followed by the end of the file or only zeros
  kTorn,     // a bad record with nothing valid after it: a write cut short by a crash
  kCorrupt,  // a bad record followed by valid records: damage in the middle of the log
};

struct SegmentScan {
  std::vector<RawRecord> records;
  std::uint64_t end_offset = 0;  // just past the last good record
  SegmentEnd end = SegmentEnd::kClean;
  std::string problem;           // what was wrong at end_offset, when not kClean
};

// Splits a segment into records. Never fails: damage is reported through `end`.
SegmentScan scan_segment(std::string_view bytes);

// Everything replay learned; Wal::open() turns it into a writer and WalContents.
struct Replay {
  WalContents contents;
  std::vector<SegmentName> segments;  // every segment in the directory, by seq
  std::uint64_t last_index = 0;       // of the log as written (entries <= the snapshot included)
  raft::SnapshotMetadata newest_marker;
  std::uint64_t tail_offset = 0;      // end of data in the last segment
  bool torn = false;                  // the last segment ends with a torn tail at tail_offset
  std::string torn_problem;
};

// Reads every segment from the one covering `from`. Corruption that must stop the server comes
// back as a kCorruption Status naming the file and offset; a torn tail of the last segment is
// reported in Replay::torn for the caller to repair.
Result<Replay> replay(FileSystem& fs, const std::string& dir, const raft::SnapshotMetadata& from);

// The metadata record of the newest segment's preamble (every segment restates it), read from
// the segment's first bytes only: what a restart needs to learn who it is before the full
// replay. kCorruption when that preamble has no valid metadata record.
Result<std::string> read_recorded_metadata(FileSystem& fs, const std::string& dir);

// Every snapshot marker of every segment, oldest first; stops at the first damage.
Result<std::vector<raft::SnapshotMetadata>> read_snapshot_markers(FileSystem& fs, const std::string& dir);

}  // namespace coord::wal
