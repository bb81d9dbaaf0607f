// Small helpers shared by the recipes tests (test/unit/recipes/): a bounded wait on a condition,
// names unique to one test run, and the path of a program installed beside coordd.
// Header-only.
//
// Thread-safety: eventually() and unique_name() may be used from any thread; example_binary()
// from the Boost.Test thread (it may fail the test).
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "coord/recipes/owner_token.hpp"

namespace coord::test {

// Waits until `predicate` holds (true) or `timeout` passes (false), re-checking every `poll`.
template <class P>
bool eventually(P predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(poll);  // polling interval of a bounded wait
  }
  return true;
}

// `base` plus a random suffix, so cases sharing one server never meet each other's keys.
inline std::string unique_name(const std::string& base) {
  std::string token = coord::recipes::make_owner_token();
  return base + "-" + token.substr(token.size() - 8);
}

// A program installed beside coordd (stage/bin, or bin/san-<variant> for the sanitizer builds):
// the one in $COORDD's directory.
inline std::string example_binary(const std::string& name) {
  const char* coordd = std::getenv("COORDD");
  BOOST_REQUIRE_MESSAGE(coordd, "COORDD is not set");
  return (std::filesystem::path(coordd).parent_path() / name).string();
}

}  // namespace coord::test
