// Binary codec for everything Raft puts on the wire or in the WAL: Message, Entry, HardState,
// ConfChange, SnapshotMetadata (and Snapshot). Stateless free functions; safe from any thread.
// Decoders bound-check every length, so garbage input yields kCorruption, never a crash or an
// unbounded allocation (see Decoder::get_count in server/common/coding.hpp).
//
// Every top-level encoding starts with one version byte (kCodecVersion) followed by one kind
// byte, then the body. All fixed-width integers are little-endian; "varint" is LEB128;
// "bytes" is a varint length followed by that many bytes.
//
//   +---------+------+---------------------------------------------+
//   | version | kind | body                                        |
//   |   u8    |  u8  |                                             |
//   +---------+------+---------------------------------------------+
//
//   Entry body:        term u64 | index u64 | type u8 | data bytes
//   HardState body:    term u64 | vote u64 | commit u64
//   ConfState body:    count varint | count x voter u64              (nested only, no header)
//   ConfChange body:   type u8 | node_id u64 | context bytes
//   SnapshotMetadata:  index u64 | term u64 | ConfState body
//   Snapshot body:     SnapshotMetadata body | data bytes
//   Message body:      type u8 | from u64 | to u64 | term u64 | log_term u64 | index u64 |
//                      commit u64 | reject u8 (0/1) | reject_hint u64 |
//                      n_entries varint | n x (Entry body) |
//                      has_snapshot u8 (0/1) | [Snapshot body] | context bytes
//
// A decoder rejects: a different version, a different kind, an unknown enum value, trailing
// bytes, and any count or length the remaining input cannot hold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/common/status.hpp"
#include "server/raft/message.hpp"
#include "server/raft/types.hpp"

namespace coord::raft {

constexpr std::uint8_t kCodecVersion = 1;

// The fewest bytes an encoded Message takes (header, fixed fields, zero counts and an empty
// context): bounds how many messages a container of untrusted bytes can claim to hold.
constexpr std::size_t kMinMessageBytes = 2 + 1 + 6 * 8 + 1 + 8 + 1 + 1 + 1;

// The kind byte after the version.
enum class CodecKind : std::uint8_t {
  kEntry = 1,
  kHardState = 2,
  kConfChange = 3,
  kSnapshotMetadata = 4,
  kSnapshot = 5,
  kMessage = 6,
};

std::string encode(const Message& m);
std::string encode(const Entry& e);
std::string encode(const HardState& hs);
std::string encode(const ConfChange& cc);
std::string encode(const SnapshotMetadata& md);
std::string encode(const Snapshot& s);

Result<Message> decode_message(std::string_view in);
Result<Entry> decode_entry(std::string_view in);
Result<HardState> decode_hard_state(std::string_view in);
Result<ConfChange> decode_conf_change(std::string_view in);
Result<SnapshotMetadata> decode_snapshot_metadata(std::string_view in);
Result<Snapshot> decode_snapshot(std::string_view in);

}  // namespace coord::raft
