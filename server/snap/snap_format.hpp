// The snapshot file format (the project's style). Pure functions; thread-safe.
//
// Directory: <data-dir>/member/snap/ holds "<term %016x>-<index %016x>.snap"; names sort in
// (term, index) order, so the last name is the newest snapshot. A save in progress is
// "<name>.tmp"; a file that failed its check on load is renamed "<name>.broken".
//
// File (all integers little-endian):
//
//    0          8          12           16        24       32     36             36+8n
//    +----------+----------+------------+---------+--------+------+--------------+-------------+
//    | magic    | version  | header len | index   | term   | n    | n × voter    | data length |
//    | coordSNP | u32      | u32 = H    | u64     | u64    | u32  | u64 each     | u64 = D     |
//    +----------+----------+------------+---------+--------+------+--------------+-------------+
//    H bytes of header, then:
//    +---------------------------+----------------------------------------+
//    | data (D bytes)            | crc u32 = CRC-32C(header ‖ data)       |
//    +---------------------------+----------------------------------------+
//
//    file size = H + D + 4 exactly. The header is read first (its length is in it), then the
//    data is read straight into the Snapshot's string: no second copy of hundreds of MB.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/common/status.hpp"
#include "server/raft/types.hpp"

namespace coord::snap {

// Bump on any change to the layout above or to the snapshot fields it stores.
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::string_view kMagic = "coordSNP";
constexpr std::size_t kFixedHeaderBytes = 8 + 4 + 4;  // magic, version, header length
constexpr std::size_t kCrcBytes = 4;
constexpr std::uint32_t kMaxHeaderBytes = 1 << 20;    // bounds a garbage header length

std::string snapshot_name(std::uint64_t term, std::uint64_t index);
struct SnapshotName {
  std::uint64_t term = 0;
  std::uint64_t index = 0;
};
// Parses "<16 hex>-<16 hex>.snap"; nullopt for anything else.
std::optional<SnapshotName> parse_snapshot_name(std::string_view name);

// The header of a snapshot holding `data_length` bytes of data.
std::string encode_header(const raft::SnapshotMetadata& m, std::uint64_t data_length);
// The header length stored in the fixed part (first kFixedHeaderBytes bytes).
Result<std::uint32_t> decode_header_length(std::string_view fixed);
// Parses a whole header (as long as decode_header_length said).
Status decode_header(std::string_view header, raft::SnapshotMetadata& m, std::uint64_t& data_length);

}  // namespace coord::snap
