// Small helpers shared by the recipes tests (test/unit/recipes/): names unique to one test run,
// and the path of a program installed beside coordd; with them, eventually() (a bounded wait on
// a condition, test/support/process/eventually.hpp).
// Header-only.
//
// Thread-safety: unique_name() may be used from any thread; example_binary()
// from the Boost.Test thread (it may fail the test).
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "coord/client.hpp"
#include "coord/error.hpp"
#include "coord/recipes/owner_token.hpp"
#include "test/support/process/eventually.hpp"

namespace coord::test {

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

// The value of `key` as a quorum read sees it (nullopt: no such key).
inline std::optional<std::string> quorum_value(Client& client, const std::string& key) {
  try {
    return client.get(key, GetOptions{.quorum = true}).node.value;
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
    return std::nullopt;
  }
}

}  // namespace coord::test
