// Hexadecimal forms used by the server: ids as etcd prints them (lowercase, no leading zeros)
// and the "<16 hex>-<16 hex><ext>" names of WAL segments and snapshot files. Pure functions.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace coord {

inline std::string to_hex(std::uint64_t v) {
  char buf[16];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  return std::string(buf, r.ptr);
}

// "%016llx-%016llx<ext>", e.g. "0000000000000002-00000000000000ca.snap".
inline std::string hex_pair_name(std::uint64_t a, std::uint64_t b, std::string_view ext) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx-%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return std::string(buf) + std::string(ext);
}

// The inverse of hex_pair_name: false unless `name` has exactly that shape (lowercase hex).
inline bool parse_hex_pair_name(std::string_view name, std::string_view ext, std::uint64_t& a, std::uint64_t& b) {
  if (name.size() != 33 + ext.size() || name[16] != '-' || name.substr(33) != ext) return false;
  auto parse16 = [](std::string_view s, std::uint64_t& out) {
    out = 0;
    for (char c : s) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else return false;
      out = (out << 4) | static_cast<std::uint64_t>(d);
    }
    return true;
  };
  return parse16(name.substr(0, 16), a) && parse16(name.substr(17, 16), b);
}

}  // namespace coord
