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

// A membership ConfChange's context: u64 request id (0 when nobody waits) | member record.
// The id lets the member that proposed the change answer its waiting client once it applies.
struct ConfContext {
  std::uint64_t request_id = 0;
  store::Member member;
};
std::string encode_conf_context(const ConfContext& context);
Result<ConfContext> decode_conf_context(std::string_view data);

}  // namespace coord::node
