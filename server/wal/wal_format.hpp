// The WAL's on-disk format: segment names, record framing, record payloads (the project's style).
// Shared by the writer (wal.cpp) and the reader (wal_reader.cpp); pure functions, thread-safe.
//
// Directory: <data-dir>/member/wal/ holds segments named "<seq %016x>-<first index %016x>.wal".
// `seq` counts 0, 1, 2, ... without gaps; `first index` is the index of the first entry the
// writer expected to append when it cut the segment (its last index + 1), so every entry of
// segment k is < the first index of segment k+1. A segment is preallocated (zero-filled) to
// WalOptions::segment_bytes and grows past it only by its last batch.
//
// Record (all integers little-endian; every record starts 8-byte aligned):
//
//    0           4           8      9                    8+length   next multiple of 8
//    +-----------+-----------+------+--------------------+----------+
//    | length    | crc       | type | payload            | zero pad |
//    | u32       | u32       | u8   | length - 1 bytes   | 0..7     |
//    +-----------+-----------+------+--------------------+----------+
//
//    length = 1 + payload size (so it is never 0);  crc = masked CRC-32C of type ‖ payload.
//    A length word of 0 marks the end of data: the rest of a segment is preallocated zeros.
//
// CRC choice: per record, not chained. Each record proves itself, so after a bad record the
// reader can look for *any* valid record further on and tell a torn tail (nothing valid after
// it: repairable) from mid-log corruption (valid records follow: fatal). A chained CRC would
// also catch stale records of a reused file, but segments are never reused: each one is
// created fresh and zero-filled. The 8-byte alignment keeps the length word inside one sector.
//
// Payloads:
//    kSegmentHeader   magic "coordWAL" (8 bytes) ‖ u32 version ‖ u64 seq ‖ u64 first index
//    kMetadata        the caller's opaque metadata (node id + cluster id, encoded by the node)
//    kEntry           u64 term ‖ u64 index ‖ u8 entry type ‖ data (to the end of the payload)
//    kHardState       u64 term ‖ u64 vote ‖ u64 commit
//    kSnapshotMarker  u64 index ‖ u64 term ‖ varint n ‖ n × u64 voter (the conf state)
//
// Every segment begins with: segment header, metadata, the hard state current at the cut, and
// the latest snapshot marker (when there is one) — so each segment is self-describing and the
// reader may start at any segment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/common/status.hpp"
#include "server/raft/types.hpp"

namespace coord::wal {

// Bump on any change to the layout above or to the fields of server/raft/types.hpp it stores.
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::string_view kSegmentMagic = "coordWAL";
constexpr std::size_t kRecordHeaderBytes = 8;      // length + crc
constexpr std::size_t kRecordAlignment = 8;
constexpr std::uint32_t kMaxRecordLength = 1u << 30;  // bounds allocation on a garbage length word
constexpr std::uint32_t kMaxEntryOverhead = 1 + 8 + 8 + 1;  // type, term, index, entry type
// A torn write shows up as sectors that stayed zero (see wal_reader.cpp).
constexpr std::size_t kSectorBytes = 512;

enum class RecordType : std::uint8_t {
  kSegmentHeader = 1,
  kMetadata = 2,
  kEntry = 3,
  kHardState = 4,
  kSnapshotMarker = 5,
};

// ---- segment names
std::string segment_name(std::uint64_t seq, std::uint64_t first_index);
// Parses "<16 hex>-<16 hex>.wal"; nullopt for any other name (".broken", ".tmp", ...).
struct SegmentName {
  std::uint64_t seq = 0;
  std::uint64_t first_index = 0;
};
std::optional<SegmentName> parse_segment_name(std::string_view name);

// ---- framing
// Appends one framed record (header, payload, padding) to `out`.
void append_record(std::string& out, RecordType type, std::string_view payload);
// Bytes a record with `length` (= 1 + payload size) occupies, padding included.
std::uint64_t framed_size(std::uint32_t length);
std::uint32_t mask_crc(std::uint32_t crc);

// ---- payloads
struct SegmentHeader {
  std::uint32_t version = kFormatVersion;
  std::uint64_t seq = 0;
  std::uint64_t first_index = 0;
};
std::string encode_segment_header(const SegmentHeader& h);
std::string encode_hard_state(const raft::HardState& hs);
std::string encode_snapshot_marker(const raft::SnapshotMetadata& m);
// Appends a framed entry record to `out`, encoding the payload in place (the hot path).
void append_entry_record(std::string& out, const raft::Entry& e);

Status decode_segment_header(std::string_view payload, SegmentHeader& h);
Status decode_entry(std::string_view payload, raft::Entry& e);
Status decode_hard_state(std::string_view payload, raft::HardState& hs);
Status decode_snapshot_marker(std::string_view payload, raft::SnapshotMetadata& m);

}  // namespace coord::wal
