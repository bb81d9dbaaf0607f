// read_file(): the whole content of a file as a string ("" when it cannot be read), for tests
// that check what a process wrote (logs, output files).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace coord::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace coord::test
