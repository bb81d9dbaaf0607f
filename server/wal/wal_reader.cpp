#include "server/wal/wal_reader.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "server/common/crc32c.hpp"

namespace coord::wal {

namespace {

std::uint32_t get_u32(std::string_view b, std::uint64_t pos) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[pos + i])) << (8 * i);
  return v;
}

// Compared in blocks with memcmp: the preallocated tail of a segment is tens of MB, and a
// byte-at-a-time loop over it made a restart under ThreadSanitizer take seconds.
bool all_zero(std::string_view b) {
  static constexpr char kZeros[4096] = {};
  while (!b.empty()) {
    const std::size_t n = std::min(b.size(), sizeof kZeros);
    if (std::memcmp(b.data(), kZeros, n) != 0) return false;
    b.remove_prefix(n);
  }
  return true;
}

// The framed size of a valid record at `pos` (filling `out`), or 0 when there is none.
std::uint64_t valid_record_at(std::string_view b, std::uint64_t pos, RawRecord& out) {
  if (pos > b.size() || b.size() - pos < kRecordHeaderBytes) return 0;
  const std::uint32_t length = get_u32(b, pos);
  if (length == 0 || length > kMaxRecordLength || length > b.size() - pos - kRecordHeaderBytes) return 0;
  const auto type = static_cast<std::uint8_t>(b[pos + kRecordHeaderBytes]);
  if (type < static_cast<std::uint8_t>(RecordType::kSegmentHeader) ||
      type > static_cast<std::uint8_t>(RecordType::kSnapshotMarker))
    return 0;
  const std::uint32_t crc = crc32c::extend(0, b.data() + pos + kRecordHeaderBytes, length);
  if (mask_crc(crc) != get_u32(b, pos + 4)) return 0;
  out = RawRecord{static_cast<RecordType>(type), b.substr(pos + kRecordHeaderBytes + 1, length - 1), pos};
  return framed_size(length);
}

std::string describe_bad_record(std::string_view b, std::uint64_t pos) {
  const std::string at = "at offset " + std::to_string(pos) + ": ";
  if (b.size() - pos < kRecordHeaderBytes) return at + "record header cut short by the end of the file";
  const std::uint32_t length = get_u32(b, pos);
  if (length == 0) return at + "zero length word followed by non-zero bytes";
  if (length > b.size() - pos - kRecordHeaderBytes)
    return at + "record length " + std::to_string(length) + " runs past the end of the file";
  return at + "record fails its CRC or has an unknown type";
}

// The first 8-aligned offset after `pos` holding a valid record.
std::optional<std::uint64_t> find_valid_record_after(std::string_view b, std::uint64_t pos) {
  RawRecord unused{};
  for (std::uint64_t q = pos + kRecordAlignment; q + kRecordHeaderBytes <= b.size(); q += kRecordAlignment) {
    if (valid_record_at(b, q, unused) != 0) return q;
  }
  return std::nullopt;
}

// A whole zeroed sector inside [from, to): the signature of a torn write, whose sectors reach
// the disk in any order (etcd's rule, wal/decoder.go).
bool has_zeroed_sector(std::string_view b, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t s = (from + kSectorBytes - 1) / kSectorBytes * kSectorBytes; s + kSectorBytes <= to;
       s += kSectorBytes) {
    if (all_zero(b.substr(s, kSectorBytes))) return true;
  }
  return false;
}

// The bad record at `pos` starts in zeros up to the end of its sector (or up to the valid record
// at `next`, if that comes first): the sector holding its start never reached the disk while a
// later one of the same unsynced write did. A bit flip cannot look like this (the record's length
// and CRC words are not zero); etcd's decoder drops such a tail as well (any all-zero chunk of
// the record between sector boundaries, wal/decoder.go).
bool start_never_landed(std::string_view b, std::uint64_t pos, std::uint64_t next) {
  const std::uint64_t sector_end = (pos / kSectorBytes + 1) * kSectorBytes;
  return all_zero(b.substr(pos, std::min(next, sector_end) - pos));
}

}  // namespace

SegmentScan scan_segment(std::string_view b) {
  SegmentScan scan;
  std::uint64_t pos = 0;
  while (pos < b.size()) {
    RawRecord r{};
    if (const std::uint64_t n = valid_record_at(b, pos, r); n != 0) {
      scan.records.push_back(r);
      pos += n;
      continue;
    }
    scan.end_offset = pos;
    if (all_zero(b.substr(pos))) return scan;  // preallocated space: the clean end
    scan.problem = describe_bad_record(b, pos);
    const auto next = find_valid_record_after(b, pos);
    if (!next) {
      scan.end = SegmentEnd::kTorn;
    } else if (has_zeroed_sector(b, pos, *next)) {
      scan.end = SegmentEnd::kTorn;
      scan.problem += " (a zeroed sector precedes the valid record at offset " + std::to_string(*next) + ")";
    } else if (start_never_landed(b, pos, *next)) {
      scan.end = SegmentEnd::kTorn;
      scan.problem += " (its start never landed: zeros to its sector's end; a valid record follows at offset " +
                      std::to_string(*next) + ")";
    } else {
      scan.end = SegmentEnd::kCorrupt;
      scan.problem += ", yet a valid record follows at offset " + std::to_string(*next);
    }
    return scan;
  }
  scan.end_offset = pos;
  return scan;
}

namespace {

// Replay state across segments.
class Replayer {
 public:
  explicit Replayer(const raft::SnapshotMetadata& from) : from_(from) {}

  Status segment(const std::string& path, const SegmentName& name, const SegmentScan& scan) {
    path_ = &path;
    // Replay's first segment: the writer named it after its last index + 1 (0 for the first).
    if (!last_) last_ = name.first_index > 0 ? name.first_index - 1 : 0;
    if (scan.records.empty() || scan.records.front().type != RecordType::kSegmentHeader)
      return bad(0, "segment does not begin with a segment header");
    SegmentHeader h;
    if (Status s = decode_segment_header(scan.records.front().payload, h); !s) return bad(0, s.message());
    if (h.seq != name.seq || h.first_index != name.first_index)
      return bad(0, "segment header (seq " + std::to_string(h.seq) + ", first index " +
                        std::to_string(h.first_index) + ") does not match the file name");
    for (std::size_t i = 1; i < scan.records.size(); ++i) COORD_RETURN_IF_ERROR(record(scan.records[i]));
    return Status::ok();
  }

  // Called between segment k and k+1: every entry of k is below k+1's first index, and the
  // writer named k+1 after its last index, so a mismatch means k lost its tail.
  Status check_continuity(const std::string& path, const SegmentName& next) {
    if (!last_ || *last_ + 1 == next.first_index) return Status::ok();
    return Status::corruption("WAL segment " + path + " ends at index " + std::to_string(*last_) +
                              " but the next segment starts at index " + std::to_string(next.first_index) +
                              ": the segment is truncated");
  }

  Status finish(const std::string& dir, Replay& out) {
    if (from_.index != 0 && !from_found_)
      return Status::not_found("WAL in " + dir + " has no snapshot marker for index " + std::to_string(from_.index) +
                               " term " + std::to_string(from_.term));
    const auto& hs = contents_.hard_state;
    if (last_ && hs.commit > *last_ && hs.commit > from_.index)
      return Status::corruption("WAL in " + dir + ": hard state commit " + std::to_string(hs.commit) +
                                " is beyond the last index " + std::to_string(*last_));
    contents_.snapshot = from_marker_.value_or(from_);
    contents_.marker_for_from = from_marker_.has_value();
    out.contents = std::move(contents_);
    out.last_index = last_.value_or(from_.index);
    out.newest_marker = newest_marker_;
    return Status::ok();
  }

 private:
  Status record(const RawRecord& r) {
    switch (r.type) {
      case RecordType::kSegmentHeader: return bad(r.offset, "segment header in the middle of a segment");
      case RecordType::kMetadata: return metadata(r);
      case RecordType::kEntry: return entry(r);
      case RecordType::kHardState: {
        Status s = decode_hard_state(r.payload, contents_.hard_state);
        return s ? s : bad(r.offset, s.message());
      }
      case RecordType::kSnapshotMarker: return marker(r);
    }
    return bad(r.offset, "unknown record type");
  }

  Status metadata(const RawRecord& r) {
    if (!metadata_seen_) {
      contents_.metadata.assign(r.payload);
      metadata_seen_ = true;
    } else if (contents_.metadata != r.payload) {
      return bad(r.offset, "metadata differs from the metadata of earlier segments");
    }
    return Status::ok();
  }

  Status entry(const RawRecord& r) {
    raft::Entry e;
    if (Status s = decode_entry(r.payload, e); !s) return bad(r.offset, s.message());
    if (e.index > *last_ + 1)
      return bad(r.offset, "entry index " + std::to_string(e.index) + " skips past the last index " + std::to_string(*last_));
    last_ = e.index;
    auto& entries = contents_.entries;
    // A later record for an index wins: drop the overwritten suffix (Raft Figure 7).
    while (!entries.empty() && entries.back().index >= e.index) entries.pop_back();
    if (e.index <= from_.index) {
      if (e.index == from_.index && e.term == from_.term) from_found_ = true;
      return Status::ok();
    }
    if (entries.empty() && e.index != from_.index + 1)
      return bad(r.offset, "first entry after the snapshot at index " + std::to_string(from_.index) + " has index " +
                               std::to_string(e.index) + ": the entries between were released");
    // Invariant: the returned entries start right after the snapshot and have no holes.
    COORD_CHECK(entries.empty() ? e.index == from_.index + 1 : entries.back().index + 1 == e.index,
                "WAL replay: entries not contiguous");
    entries.push_back(std::move(e));
    return Status::ok();
  }

  Status marker(const RawRecord& r) {
    raft::SnapshotMetadata m;
    if (Status s = decode_snapshot_marker(r.payload, m); !s) return bad(r.offset, s.message());
    if (m.index == from_.index && m.term == from_.term) {
      from_found_ = true;
      from_marker_ = m;
    }
    if (m.index >= newest_marker_.index) newest_marker_ = m;
    if (last_ && m.index > *last_) {
      // A snapshot installed from the leader replaced the whole log: entries restart after it.
      if (m.index > from_.index)
        return bad(r.offset, "the log jumps to a snapshot at index " + std::to_string(m.index) +
                                 ", newer than the snapshot replay started from (index " +
                                 std::to_string(from_.index) + ")");
      contents_.entries.clear();
    }
    if (!last_ || m.index > *last_) last_ = m.index;
    return Status::ok();
  }

  Status bad(std::uint64_t offset, const std::string& why) const {
    return Status::corruption("WAL segment " + *path_ + " at offset " + std::to_string(offset) + ": " + why);
  }

  const raft::SnapshotMetadata from_;
  const std::string* path_ = nullptr;
  WalContents contents_;
  bool metadata_seen_ = false;
  bool from_found_ = false;
  std::optional<raft::SnapshotMetadata> from_marker_;
  std::optional<std::uint64_t> last_;  // the log's last index so far; set by the first segment
  raft::SnapshotMetadata newest_marker_;
};

Result<std::vector<SegmentName>> list_segments(FileSystem& fs, const std::string& dir) {
  auto names = fs.list_dir(dir);
  if (!names) return names.status();
  std::vector<SegmentName> segs;
  for (const auto& n : *names) {
    if (auto s = parse_segment_name(n)) segs.push_back(*s);
  }
  if (segs.empty()) return Status::not_found("no WAL segments in " + dir);
  std::sort(segs.begin(), segs.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  for (std::size_t i = 1; i < segs.size(); ++i) {
    if (segs[i].seq != segs[i - 1].seq + 1)
      return Status::corruption("WAL in " + dir + " is missing segment seq " + std::to_string(segs[i - 1].seq + 1) +
                                " (found " + segment_name(segs[i - 1].seq, segs[i - 1].first_index) + " then " +
                                segment_name(segs[i].seq, segs[i].first_index) + ")");
  }
  return segs;
}

}  // namespace

Result<Replay> replay(FileSystem& fs, const std::string& dir, const raft::SnapshotMetadata& from) {
  auto segs = list_segments(fs, dir);
  if (!segs) return segs.status();
  Replay out;
  out.segments = std::move(*segs);
  // Start at the last segment that begins at or before the snapshot: every later entry is in it
  // or after it, and its preamble restates the metadata, hard state and snapshot marker.
  std::size_t start = 0;
  for (std::size_t i = 0; i < out.segments.size(); ++i) {
    if (out.segments[i].first_index <= from.index) start = i;
  }
  Replayer replayer(from);
  for (std::size_t i = start; i < out.segments.size(); ++i) {
    const auto& name = out.segments[i];
    const std::string path = join_path(dir, segment_name(name.seq, name.first_index));
    auto bytes = fs.read_file(path);
    if (!bytes) return bytes.status();
    const SegmentScan scan = scan_segment(*bytes);
    const bool last = i + 1 == out.segments.size();
    if (scan.end == SegmentEnd::kCorrupt || (scan.end == SegmentEnd::kTorn && !last))
      return Status::corruption("WAL segment " + path + " is damaged " + scan.problem);
    COORD_RETURN_IF_ERROR(replayer.segment(path, name, scan));
    if (!last) {
      COORD_RETURN_IF_ERROR(replayer.check_continuity(path, out.segments[i + 1]));
    } else {
      out.tail_offset = scan.end_offset;
      out.torn = scan.end == SegmentEnd::kTorn;
      out.torn_problem = scan.problem;
    }
  }
  COORD_RETURN_IF_ERROR(replayer.finish(dir, out));
  return out;
}

Result<std::string> read_recorded_metadata(FileSystem& fs, const std::string& dir) {
  auto segs = list_segments(fs, dir);
  if (!segs) return segs.status();
  const std::string path = join_path(dir, segment_name(segs->back().seq, segs->back().first_index));
  auto file = fs.open(path, OpenMode::kRead);
  if (!file) return file.status();
  auto size = (*file)->size();
  if (!size) return size.status();
  // The preamble (segment header, metadata, hard state, snapshot marker) is a few hundred bytes;
  // the scan stops at the cut, after the records that fit.
  constexpr std::uint64_t kPreambleBytes = 64 * 1024;
  std::string head;
  COORD_RETURN_IF_ERROR((*file)->read_at(0, static_cast<std::size_t>(std::min(*size, kPreambleBytes)), head));
  const SegmentScan scan = scan_segment(head);
  if (scan.records.size() >= 2 && scan.records[0].type == RecordType::kSegmentHeader &&
      scan.records[1].type == RecordType::kMetadata)
    return std::string(scan.records[1].payload);
  return Status::corruption("WAL segment " + path + " does not begin with a segment header and metadata");
}

Result<std::vector<raft::SnapshotMetadata>> read_snapshot_markers(FileSystem& fs, const std::string& dir) {
  auto segs = list_segments(fs, dir);
  if (!segs) return segs.status();
  std::vector<raft::SnapshotMetadata> out;
  for (const auto& name : *segs) {
    auto bytes = fs.read_file(join_path(dir, segment_name(name.seq, name.first_index)));
    if (!bytes) return bytes.status();
    const SegmentScan scan = scan_segment(*bytes);
    for (const auto& r : scan.records) {
      raft::SnapshotMetadata m;
      if (r.type == RecordType::kSnapshotMarker && decode_snapshot_marker(r.payload, m).is_ok()) out.push_back(std::move(m));
    }
    if (scan.end != SegmentEnd::kClean) break;
  }
  return out;
}

}  // namespace coord::wal
