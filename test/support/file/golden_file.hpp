// read_golden(): the bytes of a golden fixture committed under the repository (e.g.
// "test/unit/wal/golden/<name>"), found from the current directory or any parent of it, so a
// test finds its fixtures whether it runs from the repository root (test/run_all.sh) or from
// its build directory. Header-only; thread-safe (reads files only).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "server/common/check.hpp"

namespace coord::test {

inline std::string read_golden(const std::string& relative_path) {
  for (auto dir = std::filesystem::current_path(); ; dir = dir.parent_path()) {
    const auto candidate = dir / relative_path;
    if (std::filesystem::is_regular_file(candidate)) {
      std::ifstream in(candidate, std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      return bytes.str();
    }
    COORD_CHECK(dir != dir.parent_path(), "golden fixture not found from the current directory up");
  }
}

}  // namespace coord::test
