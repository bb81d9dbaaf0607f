// Key patterns and permission merges, each rule as etcd 3.4's v2auth applies it.
#include <boost/test/unit_test.hpp>

#include "server/auth/permissions.hpp"

using namespace coord::auth;

namespace {
std::vector<std::string> v(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }
Role reader(std::initializer_list<const char*> read) { return Role{"r", Permissions{v(read), std::nullopt}, {}, {}}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(permissions)

BOOST_AUTO_TEST_CASE(pattern__star_is_a_prefix_otherwise_exact) {
  BOOST_TEST(pattern_matches("/foo/*", "/foo/x"));
  BOOST_TEST(pattern_matches("/foo/*", "/foo/"));
  BOOST_TEST(!pattern_matches("/foo/*", "/foo"));
  BOOST_TEST(pattern_matches("/foo*", "/foobar"));
  BOOST_TEST(pattern_matches("/foo", "/foo"));
  BOOST_TEST(!pattern_matches("/foo", "/foo/x"));
  BOOST_TEST(!pattern_matches("", ""));  // etcd would index pattern[-1]; we match nothing
  BOOST_TEST(!pattern_matches("/*", ""));  // GET /v2/keys (no slash) is key "": "/*" misses it
}

BOOST_AUTO_TEST_CASE(subtree__only_star_patterns_cover_recursive_requests) {
  BOOST_TEST(pattern_covers_subtree("/foo/*", "/foo/"));
  BOOST_TEST(!pattern_covers_subtree("/foo", "/foo"));
  BOOST_TEST(!role_allows(reader({"/foo"}), "/foo", false, true));
  BOOST_TEST(role_allows(reader({"/foo"}), "/foo", false, false));
}

BOOST_AUTO_TEST_CASE(role__read_patterns_do_not_allow_writes_and_root_allows_all) {
  const Role r = reader({"/foo/*"});
  BOOST_TEST(role_allows(r, "/foo/x", false, false));
  BOOST_TEST(!role_allows(r, "/foo/x", true, false));
  BOOST_TEST(!role_allows(r, "/bar", false, false));
  BOOST_TEST(role_allows(root_role(), "/anything", true, true));
  BOOST_TEST(!role_allows(Role{"none", {}, {}, {}}, "/a", false, false));  // nil lists
}

BOOST_AUTO_TEST_CASE(grant__sorts_dedups_and_refuses_a_duplicate) {
  auto g = grant(Permissions{v({"/b"}), std::nullopt}, Permissions{v({"/a"}), v({"/w"})});
  BOOST_REQUIRE(std::holds_alternative<Permissions>(g));
  BOOST_TEST((std::get<Permissions>(g) == Permissions{v({"/a", "/b"}), v({"/w"})}));
  auto dup = grant(Permissions{v({"/a"}), {}}, Permissions{v({"/a"}), {}});
  BOOST_REQUIRE(std::holds_alternative<AuthError>(dup));
  BOOST_TEST(std::get<AuthError>(dup).status == 409);
  BOOST_TEST(std::get<AuthError>(dup).message == "auth: Granting duplicate read permission /a");
  auto dup_write = grant(Permissions{}, Permissions{{}, v({"/w", "/w"})});
  BOOST_TEST(std::get<AuthError>(dup_write).message == "auth: Granting duplicate write permission /w");
  // No grant at all keeps nil lists nil; an empty grant makes them present.
  BOOST_TEST((std::get<Permissions>(grant(Permissions{}, std::nullopt)) == Permissions{}));
  BOOST_TEST((std::get<Permissions>(grant(Permissions{}, Permissions{})) == Permissions{v({}), v({})}));
}

BOOST_AUTO_TEST_CASE(revoke__ignores_patterns_not_granted) {
  auto r = revoke(Permissions{v({"/a", "/b"}), v({"/w"})}, Permissions{v({"/a", "/zz"}), std::nullopt});
  BOOST_TEST((r == Permissions{v({"/b"}), v({"/w"})}));
}

BOOST_AUTO_TEST_SUITE_END()
