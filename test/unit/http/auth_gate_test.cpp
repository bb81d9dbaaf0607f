// AuthGate on a real one-member Node (in-memory files): etcd's root and key access rules with
// auth on and off, the guest role, and the recorded password verdicts — access checks never
// run bcrypt themselves, a recorded verdict (good or bad) skips it, a password change
// invalidates it. PasswordCheckPool: checks run on its workers and a full queue refuses.
#include "server/http/auth_gate.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <future>
#include <thread>
#include <utility>

#include "server/auth/auth_codec.hpp"
#include "server/auth/password.hpp"
#include "server/common/file_mem.hpp"
#include "server/http/password_check_pool.hpp"
#include "server/node/node.hpp"

using namespace coord;
using namespace coord::http;

namespace {

namespace bhttp = boost::beast::http;

node::NodeOptions options() {
  node::NodeOptions o;
  o.member_id = 0x1234;
  o.cluster_id = 0x77;
  o.data_dir = "/data";
  o.client_urls = {"http://127.0.0.1:1"};
  o.initial_members = {node::MemberSpec{0x1234, "default", {"http://127.0.0.1:2"}}};
  o.tick_interval = std::chrono::milliseconds(10);
  o.seed = 7;
  return o;
}

HttpRequest bare_request(bhttp::verb verb, const std::string& basic = {}) {
  HttpRequest r{verb, "/", 11};
  if (!basic.empty()) r.set(bhttp::field::authorization, "Basic " + basic);
  return r;
}

// Base64 of "user:password" for the few credentials used here.
const std::string kRoot = "cm9vdDpyb290cHc=";     // root:rootpw
const std::string kRootBad = "cm9vdDp3cm9uZw==";  // root:wrong
const std::string kBob = "Ym9iOmJvYnB3";          // bob:bobpw
const std::string kBob2 = "Ym9iOmJvYnB3Mg==";     // bob:bobpw2

struct Fixture {
  MemFileSystem fs;
  SystemClock clock;
  node::Node node{options(), fs, clock};
  AuthGate gate{node};

  Fixture() {
    BOOST_REQUIRE(node.start().is_ok());
    BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));
  }
  ~Fixture() { node.stop(); }

  // A request as the router hands it to a handler: its password's verdict recorded first
  // (here on this thread; in the server on the gate's workers).
  HttpRequest request(bhttp::verb verb, const std::string& basic = {}) {
    HttpRequest r = bare_request(verb, basic);
    if (auto check = gate.unverified_credentials(r)) gate.verify(*check);
    return r;
  }

  // Applies `op` through Raft and returns its outcome.
  auth::AuthOutcome run(auth::AuthOp op) {
    apply::Request r;
    r.method = apply::Method::kAuth;
    r.value = auth::encode_op(op);
    r.time = clock.now();
    std::promise<auth::AuthOutcome> done;
    node.propose(std::move(r), [&](node::WriteResult w) { done.set_value(w.response.auth.value_or(auth::AuthOutcome{})); });
    return done.get_future().get();
  }
  void put_user(const std::string& name, const std::string& password) {
    auth::AuthOp op;
    op.kind = auth::AuthOpKind::kCreateOrUpdateUser;
    op.user = auth::User{name, *auth::hash_password(password), std::nullopt};
    BOOST_REQUIRE(!run(op).error.has_value());
  }
  // Creates (kCreateRole, `grant` absent) or grants to (kUpdateRole) role `name`.
  void role(auth::AuthOpKind kind, const std::string& name, std::optional<auth::Permissions> grant) {
    auth::AuthOp op;
    op.kind = kind;
    op.role = auth::Role{name, {}, std::move(grant), std::nullopt};
    BOOST_REQUIRE(!run(op).error.has_value());
  }
  void revoke_guest() {
    auth::AuthOp op;
    op.kind = auth::AuthOpKind::kUpdateRole;
    op.role = auth::Role{"guest", {}, std::nullopt, auth::Permissions{std::vector<std::string>{"/*"}, std::vector<std::string>{"/*"}}};
    BOOST_REQUIRE(!run(op).error.has_value());
  }
  void grant_user(const std::string& name, const std::string& role_name) {
    auth::AuthOp op;
    op.kind = auth::AuthOpKind::kUpdateUser;
    op.user.name = name;
    op.grant = std::vector<std::string>{role_name};
    BOOST_REQUIRE(!run(op).error.has_value());
  }
  void enable() {
    auth::AuthOp op;
    op.kind = auth::AuthOpKind::kEnable;
    BOOST_REQUIRE(!run(op).error.has_value());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(auth_gate, Fixture)

BOOST_AUTO_TEST_CASE(disabled__everyone_has_root_access) {
  BOOST_TEST(gate.auth_disabled());
  BOOST_TEST(gate.root_access(request(bhttp::verb::put)));
  BOOST_TEST(gate.write_root_access(request(bhttp::verb::delete_, kRootBad)));
  BOOST_TEST(gate.bcrypt_runs() == 0u);
}

BOOST_AUTO_TEST_CASE(enabled__root_rules_guest_role_and_key_patterns) {
  put_user("root", "rootpw");
  put_user("bob", "bobpw");
  role(auth::AuthOpKind::kCreateRole, "reader", std::nullopt);
  role(auth::AuthOpKind::kUpdateRole, "reader", auth::Permissions{std::vector<std::string>{"/foo/*"}, std::nullopt});
  grant_user("bob", "reader");
  enable();
  BOOST_TEST(!gate.auth_disabled());
  BOOST_TEST(!gate.root_access(request(bhttp::verb::get)));
  BOOST_TEST(gate.write_root_access(request(bhttp::verb::get)));  // GET and HEAD pass
  BOOST_TEST(!gate.write_root_access(request(bhttp::verb::put)));
  BOOST_TEST(gate.root_access(request(bhttp::verb::get, kRoot)));
  BOOST_TEST(!gate.root_access(request(bhttp::verb::get, kRootBad)));
  BOOST_TEST(!gate.root_access(request(bhttp::verb::get, kBob)));  // no root role
  // The guest role made by enable has full access until it is revoked.
  BOOST_TEST(gate.key_access(request(bhttp::verb::put), "/any", false));
  revoke_guest();
  BOOST_TEST(!gate.key_access(request(bhttp::verb::get), "/any", false));
  BOOST_TEST(gate.key_access(request(bhttp::verb::get, kBob), "/foo/x", false));
  BOOST_TEST(gate.key_access(request(bhttp::verb::get, kBob), "/foo/", true));
  BOOST_TEST(!gate.key_access(request(bhttp::verb::put, kBob), "/foo/x", false));
  BOOST_TEST(!gate.key_access(request(bhttp::verb::get, kBob), "/bar", false));
  BOOST_TEST(gate.key_access(request(bhttp::verb::delete_, kRoot), "/bar", true));
  BOOST_TEST(!gate.key_access(request(bhttp::verb::get, "not base64"), "/foo/x", false));
}

BOOST_AUTO_TEST_CASE(verdicts__recorded_ones_skip_bcrypt_and_a_new_password_invalidates_them) {
  put_user("root", "rootpw");
  put_user("bob", "bobpw");
  role(auth::AuthOpKind::kCreateRole, "reader", std::nullopt);
  role(auth::AuthOpKind::kUpdateRole, "reader", auth::Permissions{std::vector<std::string>{"/*"}, std::nullopt});
  grant_user("bob", "reader");
  enable();
  BOOST_TEST(gate.key_access(request(bhttp::verb::get, kBob), "/k", false));
  BOOST_TEST(gate.bcrypt_runs() == 1u);
  for (int i = 0; i < 5; ++i) BOOST_TEST(gate.key_access(request(bhttp::verb::get, kBob), "/k", false));
  BOOST_TEST(gate.bcrypt_runs() == 1u);
  // A wrong password is checked once; repeating it is answered from its recorded verdict.
  BOOST_TEST(!gate.key_access(request(bhttp::verb::get, kBob2), "/k", false));
  BOOST_TEST(!gate.key_access(request(bhttp::verb::get, kBob2), "/k", false));
  BOOST_TEST(gate.bcrypt_runs() == 2u);
  // ...and does not displace the good verdict.
  BOOST_TEST(gate.key_access(request(bhttp::verb::get, kBob), "/k", false));
  BOOST_TEST(gate.bcrypt_runs() == 2u);
  // After a password change neither verdict holds for the new hash.
  put_user("bob", "bobpw2");
  BOOST_TEST(!gate.key_access(request(bhttp::verb::get, kBob), "/k", false));
  BOOST_TEST(gate.key_access(request(bhttp::verb::get, kBob2), "/k", false));
  BOOST_TEST(gate.bcrypt_runs() == 4u);
  BOOST_TEST(gate.key_access(request(bhttp::verb::get, kBob2), "/k", false));
  BOOST_TEST(gate.bcrypt_runs() == 4u);
}

BOOST_AUTO_TEST_CASE(access_checks__never_run_bcrypt_and_refuse_a_password_without_a_verdict) {
  put_user("root", "rootpw");
  enable();
  // The right password, but nothing recorded its verdict: the check refuses rather than run
  // bcrypt on the calling (io) thread.
  BOOST_TEST(!gate.root_access(bare_request(bhttp::verb::get, kRoot)));
  BOOST_TEST(!gate.key_access(bare_request(bhttp::verb::put, kRoot), "/k", false));
  BOOST_TEST(gate.bcrypt_runs() == 0u);
  // An unknown user or malformed credentials need no check at all.
  BOOST_TEST(!gate.unverified_credentials(bare_request(bhttp::verb::get, kBob)).has_value());
  BOOST_TEST(!gate.unverified_credentials(bare_request(bhttp::verb::get, "not base64")).has_value());
  BOOST_TEST(gate.root_access(request(bhttp::verb::get, kRoot)));
  BOOST_TEST(!gate.unverified_credentials(bare_request(bhttp::verb::get, kRoot)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(password_check_pool)

BOOST_AUTO_TEST_CASE(checks_run_on_a_worker_and_a_full_queue_refuses_without_calling_back) {
  const auto hash = auth::hash_password("pw");
  BOOST_REQUIRE(hash.is_ok());
  // One worker, one queued check: while the worker is held, a second queued check fills the
  // queue and a third is refused.
  PasswordCheckPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // The callbacks run on the worker: they only hand their findings over (Boost.Test checks
  // belong to this thread).
  std::promise<std::pair<std::thread::id, bool>> first_ran;
  BOOST_REQUIRE(pool.submit("pw", hash.value(), [&, released](bool matches) {
    first_ran.set_value({std::this_thread::get_id(), matches});
    released.wait();
  }));
  // Once it has answered, the worker holds the first check.
  const auto [worker, first_matches] = first_ran.get_future().get();
  BOOST_TEST(first_matches);
  BOOST_TEST((worker != std::this_thread::get_id()));
  std::promise<bool> second;
  BOOST_REQUIRE(pool.submit("wrong", hash.value(), [&](bool matches) { second.set_value(matches); }));
  std::atomic<bool> third_called{false};
  BOOST_TEST(!pool.submit("pw", hash.value(), [&](bool) { third_called = true; }));
  BOOST_TEST(pool.refused() == 1u);
  release.set_value();
  BOOST_TEST(!second.get_future().get());
  BOOST_TEST(!third_called.load());
}

BOOST_AUTO_TEST_SUITE_END()
