// The v2 auth API's JSON, written and read as etcd 3.4 (Go's encoding/json) does, and Basic
// credentials parsed as Go's Request.BasicAuth does.
#include <boost/test/unit_test.hpp>

#include "server/http/auth_gate.hpp"
#include "server/http/auth_json.hpp"

using namespace coord;
using namespace coord::http;

namespace {
std::vector<std::string> v(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(auth_json)

BOOST_AUTO_TEST_CASE(user_request__go_decoding_rules) {
  auto u = parse_user_request(R"({"User":"bob","PASSWORD":"p","roles":null,"grant":["a",null],"x":{"y":1}} trailing)");
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->user == "bob");
  BOOST_TEST(u->password == "p");
  BOOST_TEST(!u->roles.has_value());
  BOOST_TEST((u->grant == auth::Names(v({"a", ""}))));
  BOOST_TEST(parse_user_request(R"({"user":"b","roles":[]})")->roles->empty());
  BOOST_TEST(parse_user_request("null")->user.empty());
  BOOST_TEST(!parse_user_request("").has_value());
  BOOST_TEST(!parse_user_request("nope").has_value());
  BOOST_TEST(!parse_user_request("[]").has_value());
  BOOST_TEST(!parse_user_request(R"({"user":5})").has_value());
  BOOST_TEST(!parse_user_request(R"({"roles":"a"})").has_value());
  BOOST_TEST(!parse_user_request(R"({"roles":[1]})").has_value());
  BOOST_TEST(!parse_user_request(R"({"user":"a")").has_value());
}

BOOST_AUTO_TEST_CASE(role_request__pointer_fields_present_even_when_empty) {
  auto r = parse_role_request(R"({"role":"r","permissions":{"KV":{"read":["/a"]}},"grant":{}})");
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST((r->permissions.read == auth::Names(v({"/a"}))));
  BOOST_TEST(!r->permissions.write.has_value());
  BOOST_TEST(r->grant.has_value());
  BOOST_TEST(!r->revoke.has_value());
  BOOST_TEST(!parse_role_request(R"({"permissions":[]})").has_value());
  BOOST_TEST(!parse_role_request(R"({"grant":{"kv":{"write":"x"}}})").has_value());
}

BOOST_AUTO_TEST_CASE(writers__match_etcd_bytes) {
  std::string out;
  append_user_json(out, "bob", std::nullopt);
  BOOST_TEST(out == "{\"user\":\"bob\",\"roles\":null}\n");
  out.clear();
  append_user_json(out, "a<b", auth::Names(v({})));
  BOOST_TEST(out == "{\"user\":\"a\\u003cb\",\"roles\":[]}\n");
  out.clear();
  auth::Role r{"r1", auth::Permissions{v({"/foo/*"}), v({})}, auth::Permissions{}, std::nullopt};
  append_role_json(out, r);
  BOOST_TEST(out ==
             "{\"role\":\"r1\",\"permissions\":{\"kv\":{\"read\":[\"/foo/*\"],\"write\":[]}},"
             "\"grant\":{\"kv\":{\"read\":null,\"write\":null}}}\n");
  out.clear();
  append_users_json(out, {});
  BOOST_TEST(out == "{\"users\":null}\n");
  out.clear();
  append_users_json(out, {{"root", {auth::root_role()}}, {"bob", {}}});
  BOOST_TEST(out ==
             "{\"users\":[{\"user\":\"root\",\"roles\":[{\"role\":\"root\",\"permissions\":{\"kv\":{\"read\":[\"/*\"],"
             "\"write\":[\"/*\"]}}}]},{\"user\":\"bob\"}]}\n");
  out.clear();
  append_enabled_json(out, true);
  BOOST_TEST(out == "{\"enabled\":true}\n");
}

BOOST_AUTO_TEST_CASE(basic_auth__as_go_reads_it) {
  auto c = parse_basic_auth("Basic cm9vdDpycA==");  // root:rp
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->first == "root");
  BOOST_TEST(c->second == "rp");
  BOOST_TEST(parse_basic_auth("bAsIc cm9vdDpycA==").has_value());
  BOOST_TEST(parse_basic_auth("Basic YTpiOmM=")->second == "b:c");  // split at the first ':'
  BOOST_TEST(!parse_basic_auth("Basic cm9vdDpycA").has_value());    // padding required
  BOOST_TEST(!parse_basic_auth("Basic  cm9vdDpycA==").has_value());
  BOOST_TEST(!parse_basic_auth("Basic cm9vdA==").has_value());      // no ':'
  BOOST_TEST(!parse_basic_auth("Bearer x").has_value());
  BOOST_TEST(!parse_basic_auth("").has_value());
  BOOST_TEST(!parse_basic_auth("Basic cm9vdDpycB==").has_value());  // non-zero unused bits
}

BOOST_AUTO_TEST_SUITE_END()
