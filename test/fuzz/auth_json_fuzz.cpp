// Fuzz target: the JSON bodies of the v2 auth API (server/http/auth_json.hpp): user and role
// requests. Checks: an accepted user request, written back as the JSON etcd answers with, parses
// again to the same user and roles; an accepted role request likewise.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/auth_json.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace coord;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto user = http::parse_user_request(in)) {
    std::string json;
    http::append_user_json(json, user->user, user->roles);
    auto again = http::parse_user_request(json);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->user == user->user);
    FUZZ_CHECK(again->roles == user->roles);
  }
  if (auto role = http::parse_role_request(in)) {
    std::string json;
    http::append_role_json(json, auth::Role{role->role, role->permissions});
    auto again = http::parse_role_request(json);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->role == role->role);
    FUZZ_CHECK(again->permissions == role->permissions);
  }
  return 0;
}
