// TempDir: a fresh directory under /tmp for tests that touch the real filesystem, removed with
// everything in it when the object goes away. Header-only so common_test can use it too.
// Not thread-safe; one per test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/common/check.hpp"

namespace coord::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/coord-test-XXXXXX";
    COORD_CHECK(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace coord::test
