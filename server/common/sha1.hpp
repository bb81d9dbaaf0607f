// SHA-1, used only to derive member and cluster ids exactly as etcd does (not for security).
// Pure function; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace coord {

std::array<std::uint8_t, 20> sha1(std::string_view data);

// The first 8 bytes of SHA-1(data) read big-endian: etcd's id derivation.
std::uint64_t sha1_prefix64(std::string_view data);

}  // namespace coord
