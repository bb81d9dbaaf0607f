// Binary encodings of the auth module, built with server/common/coding.hpp (little-endian):
// an AuthOp inside a Raft entry (the value of an apply::Request with method kAuth) and the
// AuthState inside a store snapshot. Decoding is bounds-checked: garbage gives kCorruption,
// never a crash. Pure functions; thread-safe.
//
//   names:        u8 present (0/1) | [varint n, n x bytes]            (absent = Go's nil)
//   permissions:  names read | names write
//   role:         bytes name | permissions | u8 has grant | [permissions] | u8 has revoke | [permissions]
//   user:         bytes name | bytes password hash | names roles
//
//   AuthOp:       u8 version (kAuthOpVersion) | u8 kind (1..kLastAuthOpKind) | user | names grant
//                 | names revoke | role; nothing may follow.
//   AuthState:    u8 flags (bit0 enabled, bit1 initialized) | varint n, n x user
//                 | varint n, n x role (never "root"; names unique)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/auth/auth_state.hpp"
#include "server/common/coding.hpp"
#include "server/common/status.hpp"

namespace coord::auth {

inline constexpr std::uint8_t kAuthOpVersion = 1;

std::string encode_op(const AuthOp& op);
Result<AuthOp> decode_op(std::string_view data);

void encode_state(Encoder& e, const AuthState& state);
// Reads what encode_state wrote from `d` (more may follow); on error `state` is unchanged.
Status decode_state(Decoder& d, AuthState& state);

}  // namespace coord::auth
