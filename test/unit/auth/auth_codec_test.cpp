// The auth encodings: exact round trips (nil and empty lists kept apart) and garbage refused.
#include <boost/test/unit_test.hpp>

#include <random>

#include "server/auth/auth_codec.hpp"

using namespace coord;
using namespace coord::auth;

namespace {

AuthOp full_op() {
  AuthOp op;
  op.kind = AuthOpKind::kUpdateUser;
  op.user = User{"bob", "$2b$10$abc", std::vector<std::string>{"a", "b"}};
  op.grant = std::vector<std::string>{};
  op.revoke = std::nullopt;
  op.role = Role{"r", Permissions{std::vector<std::string>{"/x/*"}, std::nullopt}, Permissions{}, std::nullopt};
  return op;
}

AuthState sample_state() {
  AuthState s;
  s.apply(AuthOp{AuthOpKind::kCreateOrUpdateUser, User{"root", "$h", std::nullopt}, {}, {}, {}});
  s.apply(AuthOp{AuthOpKind::kCreateUser, User{"bob", "$h2", std::vector<std::string>{"r"}}, {}, {}, {}});
  AuthOp role;
  role.kind = AuthOpKind::kCreateRole;
  role.role = Role{"r", Permissions{std::vector<std::string>{"/foo/*"}, std::vector<std::string>{}}, Permissions{}, std::nullopt};
  s.apply(role);
  s.apply(AuthOp{AuthOpKind::kEnable, {}, {}, {}, {}});
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(auth_codec)

BOOST_AUTO_TEST_CASE(op__round_trips_every_kind) {
  for (int k = 1; k <= kLastAuthOpKind; ++k) {
    AuthOp op = full_op();
    op.kind = static_cast<AuthOpKind>(k);
    auto d = decode_op(encode_op(op));
    BOOST_REQUIRE(d.is_ok());
    BOOST_TEST((*d == op));
  }
}

BOOST_AUTO_TEST_CASE(op__refuses_truncation_trailing_bytes_and_unknown_kinds) {
  const std::string e = encode_op(full_op());
  for (std::size_t n = 0; n < e.size(); ++n) BOOST_TEST(!decode_op(e.substr(0, n)).is_ok());
  BOOST_TEST(!decode_op(e + 'x').is_ok());
  for (int k : {0, kLastAuthOpKind + 1, 255}) {
    std::string bad = e;
    bad[1] = static_cast<char>(k);
    BOOST_TEST(!decode_op(bad).is_ok());
  }
  std::string bad_version = e;
  bad_version[0] = static_cast<char>(kAuthOpVersion + 1);
  BOOST_TEST(!decode_op(bad_version).is_ok());
}

BOOST_AUTO_TEST_CASE(state__round_trips_and_garbage_leaves_it_unchanged) {
  const AuthState s = sample_state();
  std::string out;
  Encoder e(out);
  encode_state(e, s);
  AuthState back;
  Decoder d(out);
  BOOST_REQUIRE(decode_state(d, back).is_ok());
  BOOST_TEST(d.done());
  BOOST_TEST((back == s));
  for (std::size_t n = 0; n < out.size(); ++n) {
    AuthState partial = sample_state();
    Decoder t(std::string_view(out).substr(0, n));
    BOOST_TEST(!decode_state(t, partial).is_ok());
    BOOST_TEST((partial == s));
  }
  std::mt19937_64 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::string junk(rng() % 48, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    AuthState x;
    Decoder j(junk);
    (void)decode_state(j, x);  // must not crash or allocate without bound
  }
}

BOOST_AUTO_TEST_SUITE_END()
