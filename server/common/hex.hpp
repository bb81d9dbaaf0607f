// Ids as etcd prints them: lowercase hexadecimal without leading zeros (member and cluster ids).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace coord {

inline std::string to_hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace coord
