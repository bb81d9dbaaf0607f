// The member record carried in a membership ConfChange's context (raft::ConfChange::context),
// so that every member learns a new member's peer URLs from the log itself.
//
// Format (little-endian, server/common/coding.hpp):
//   u8 version (=1) | u64 id | bytes name | varint n | n x bytes peer URL | varint m | m x bytes client URL
#pragma once

#include <string>
#include <string_view>

#include "server/common/status.hpp"
#include "server/store/store.hpp"

namespace coord::node {

inline constexpr std::uint8_t kMemberCodecVersion = 1;

std::string encode_member(const store::Member& member);
Result<store::Member> decode_member(std::string_view data);

}  // namespace coord::node
