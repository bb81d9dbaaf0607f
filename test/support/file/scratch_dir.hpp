// ScratchDir: a fresh directory under /tmp for tests that touch the real filesystem, removed with
// everything in it when the object goes away. Header-only so common_test can use it too.
// Not thread-safe; one per test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/common/check.hpp"

namespace coord::test {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = "/tmp/coord-test-XXXXXX";
    COORD_CHECK(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace coord::test
