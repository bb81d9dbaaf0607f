// The encoding of a Request inside a Raft entry's data. Versioned and bounds-checked: garbage
// decodes to an error, never a crash. Functions are pure and thread-safe.
//
// Layout (little-endian, server/common/coding.hpp):
//
//   u8  version (kRequestCodecVersion)
//   u8  method (Method, 1..11)
//   u64 id
//   u8  flags: bit0 dir | bit1 recursive | bit2 sorted | bit3 refresh | bit4 prev_exist is set
//              | bit5 prev_exist value | bit6 prev_value is set | bit7 expiration is set
//   bytes path | bytes value
//   [bytes prev_value]          if bit6
//   varint prev_index
//   [i64 expiration]            if bit7
//   i64 time
//   membership methods (kMemberAdd .. kClusterVersion) only:
//     u64 member_id | bytes name | varint n, n x bytes peer URL | varint n, n x bytes client URL
//   kAuth only: the value must hold exactly one valid auth::AuthOp encoding.
//   nothing may follow.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/apply/request.hpp"
#include "server/common/status.hpp"

namespace coord::apply {

inline constexpr std::uint8_t kRequestCodecVersion = 1;

// Appends nothing else; returns the whole encoding.
std::string encode(const Request& request);
// The request encoded in `data`, or kCorruption when it is not exactly one valid encoding.
Result<Request> decode_request(std::string_view data);

}  // namespace coord::apply
