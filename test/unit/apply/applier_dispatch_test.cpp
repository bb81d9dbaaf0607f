// Applier's dispatch table (etcd 3.4's v2 API): which store operation each Request becomes, the
// time it uses as now, SYNC, membership and auth methods.
#include <boost/test/unit_test.hpp>

#include "server/apply/applier.hpp"
#include "server/apply/request_codec.hpp"
#include "server/auth/auth_codec.hpp"

using namespace coord;
using namespace coord::apply;
using namespace coord::store;

namespace {

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;

struct Fixture {
  Store store;
  Applier applier{store};

  Response run(Request r) {
    if (r.time == 0) r.time = kNow;
    return applier.apply(r);
  }
  Request put(std::string path, std::string value) {
    Request r;
    r.method = Method::kPut;
    r.path = std::move(path);
    r.value = std::move(value);
    return r;
  }
  std::string action(const Response& r) { return r.ok() ? r.event().action : "error " + std::to_string(r.error().code); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(applier_dispatch, Fixture)

BOOST_AUTO_TEST_CASE(put__without_conditions_is_a_set) {
  BOOST_TEST(action(run(put("/k", "v"))) == "set");
  Request zero = put("/k", "w");
  zero.prev_index = 0;
  zero.prev_value = "";  // empty means no condition
  BOOST_TEST(action(run(zero)) == "set");
}

BOOST_AUTO_TEST_CASE(put__prev_exist_false_is_a_create_ignoring_compare_and_refresh) {
  Request r = put("/k", "v");
  r.prev_exist = false;
  r.prev_value = "whatever";
  r.prev_index = 99;
  r.refresh = true;
  auto resp = run(r);
  BOOST_TEST(action(resp) == "create");
  BOOST_TEST(*resp.event().node.value == "v");
  BOOST_TEST(action(run(r)) == "error 105");
}

BOOST_AUTO_TEST_CASE(put__prev_exist_true_is_an_update_or_a_cas_with_conditions) {
  run(put("/k", "v"));
  Request u = put("/k", "u");
  u.prev_exist = true;
  BOOST_TEST(action(run(u)) == "update");
  u.prev_value = "u";
  BOOST_TEST(action(run(u)) == "compareAndSwap");
  Request byindex = put("/k", "x");
  byindex.prev_exist = true;
  byindex.prev_index = 3;
  BOOST_TEST(action(run(byindex)) == "compareAndSwap");
}

BOOST_AUTO_TEST_CASE(put__prev_value_or_index_alone_is_a_cas) {
  run(put("/k", "v"));
  Request r = put("/k", "w");
  r.prev_value = "v";
  BOOST_TEST(action(run(r)) == "compareAndSwap");
  Request i = put("/k", "x");
  i.prev_index = 2;
  BOOST_TEST(action(run(i)) == "compareAndSwap");
  i.prev_index = 2;
  BOOST_TEST(action(run(i)) == "error 101");
}

BOOST_AUTO_TEST_CASE(put__refresh_keeps_value_and_uses_request_time_for_ttl) {
  run(put("/k", "v"));
  Request r = put("/k", "");
  r.refresh = true;
  r.prev_exist = true;
  r.time = kNow + 10 * kNanosPerSecond;
  r.expiration = r.time + 30 * kNanosPerSecond;
  auto resp = run(r);
  BOOST_TEST(action(resp) == "update");
  BOOST_TEST(*resp.event().node.value == "v");
  BOOST_TEST(resp.event().node.ttl == 30);
}

BOOST_AUTO_TEST_CASE(post__creates_in_order_and_ignores_prev_exist) {
  Request r;
  r.method = Method::kPost;
  r.path = "/queue";
  r.value = "Job1";
  r.prev_exist = false;
  auto resp = run(r);
  BOOST_TEST(action(resp) == "create");
  BOOST_TEST(resp.event().node.key == "/queue/00000000000000000001");
  BOOST_TEST(resp.event().is_created());
}

BOOST_AUTO_TEST_CASE(delete__with_compare_is_cad_otherwise_a_delete) {
  run(put("/a", "1"));
  run(put("/b", "2"));
  Request cad;
  cad.method = Method::kDelete;
  cad.path = "/a";
  cad.prev_value = "1";
  cad.dir = true;  // ignored by compareAndDelete
  BOOST_TEST(action(run(cad)) == "compareAndDelete");
  Request del;
  del.method = Method::kDelete;
  del.path = "/b";
  del.prev_exist = false;  // ignored
  BOOST_TEST(action(run(del)) == "delete");
  Request dir;
  dir.method = Method::kDelete;
  dir.path = "/d";
  run(put("/d/x", "1"));
  BOOST_TEST(action(run(dir)) == "error 102");
  dir.recursive = true;
  BOOST_TEST(action(run(dir)) == "delete");
}

BOOST_AUTO_TEST_CASE(qget__is_a_get_with_recursive_and_sorted) {
  run(put("/d/b", "2"));
  run(put("/d/a/x", "1"));
  Request g;
  g.method = Method::kQGet;
  g.path = "/d";
  g.recursive = true;
  g.sorted = true;
  auto resp = run(g);
  BOOST_TEST(action(resp) == "get");
  BOOST_REQUIRE(resp.event().node.nodes.size() == 2u);
  BOOST_TEST(resp.event().node.nodes[0].key == "/d/a");
  BOOST_TEST(resp.event().node.nodes[0].nodes.size() == 1u);
  BOOST_TEST(resp.event().etcd_index == 2u);
}

BOOST_AUTO_TEST_CASE(sync__expires_keys_due_at_its_time_only) {
  Request r = put("/t", "v");
  r.expiration = kNow + kNanosPerSecond;
  run(r);
  Request sync;
  sync.method = Method::kSync;
  sync.time = kNow + kNanosPerSecond - 1;
  BOOST_TEST(run(sync).ok());
  BOOST_TEST(store.has_ttl_keys());
  sync.time = kNow + kNanosPerSecond;
  auto resp = run(sync);
  BOOST_TEST(resp.ok());
  BOOST_TEST(resp.event().action.empty());
  BOOST_TEST(!store.has_ttl_keys());
  BOOST_TEST(store.index() == 2u);
}

BOOST_AUTO_TEST_CASE(membership_methods__change_members_and_move_the_index) {
  Request add;
  add.method = Method::kMemberAdd;
  add.member_id = 0x2e1259d415f2a040;
  add.peer_urls = {"http://127.0.0.1:2380"};
  BOOST_TEST(run(add).ok());
  Request version;
  version.method = Method::kClusterVersion;
  version.value = "3.4.0";
  run(version);
  Request publish;
  publish.method = Method::kMemberPublish;
  publish.member_id = add.member_id;
  publish.name = "default";
  publish.client_urls = {"http://127.0.0.1:2379"};
  run(publish);
  BOOST_TEST(store.index() == 3u);
  Request update;
  update.method = Method::kMemberUpdate;
  update.member_id = add.member_id;
  update.peer_urls = {"http://127.0.0.1:2390"};
  run(update);
  auto ms = store.members();
  BOOST_REQUIRE(ms.size() == 1u);
  BOOST_TEST(ms[0].name == "default");
  BOOST_TEST(ms[0].peer_urls == std::vector<std::string>{"http://127.0.0.1:2390"}, boost::test_tools::per_element());
  BOOST_TEST(ms[0].client_urls == std::vector<std::string>{"http://127.0.0.1:2379"}, boost::test_tools::per_element());
  BOOST_TEST(store.cluster_version() == "3.4.0");
  Request remove;
  remove.method = Method::kMemberRemove;
  remove.member_id = add.member_id;
  run(remove);
  BOOST_TEST(store.members().empty());
  BOOST_TEST(store.is_removed(add.member_id));
  BOOST_TEST(store.index() == 6u);
}

BOOST_AUTO_TEST_CASE(auth_method__applies_the_op_and_moves_the_index_like_etcds_hidden_writes) {
  auto auth_request = [](auth::AuthOp op) {
    Request r;
    r.method = Method::kAuth;
    r.value = auth::encode_op(op);
    return r;
  };
  auth::AuthOp enable;
  enable.kind = auth::AuthOpKind::kEnable;
  Response refused = run(auth_request(enable));
  BOOST_REQUIRE(refused.auth.has_value());
  BOOST_TEST(refused.auth->error->status == 409);
  BOOST_TEST(store.index() == 0u);  // a refused op writes nothing
  auth::AuthOp root;
  root.kind = auth::AuthOpKind::kCreateOrUpdateUser;
  root.user = auth::User{"root", "$2b$10$hash", std::nullopt};
  Response created = run(auth_request(root));
  BOOST_TEST(created.auth->created);
  BOOST_TEST(store.index() == 5u);  // /2, /2/users, /2/roles, /2/enabled, then the user
  BOOST_TEST(!run(auth_request(enable)).auth->error.has_value());
  BOOST_TEST(store.index() == 7u);  // the guest role and the enabled flag
  BOOST_TEST(store.auth().enabled());
  BOOST_TEST(store.stats().create_success == 6u);
  BOOST_TEST(store.stats().update_success == 1u);
  // The keys tree does not show the auth state.
  BOOST_TEST(store.get("/", false, false, kNow).value().node.nodes.empty());
}

BOOST_AUTO_TEST_CASE(response__built_from_an_error_reports_it) {
  Response r{V2Error{kEcodeRaftInternal, "etcdserver: request timed out", 0}};
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.error().code == kEcodeRaftInternal);
  BOOST_TEST(Response{}.ok());
  BOOST_TEST(Response{}.event().action.empty());  // no event: an empty one
}

BOOST_AUTO_TEST_CASE(response__holds_the_published_event_not_a_copy) {
  EventPtr seen;
  BOOST_REQUIRE(store.watch("/k", false, false, 0, [&](const EventPtr& e) { seen = e; return false; }).ok());
  const Response r = run(put("/k", std::string(100'000, 'v')));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(&r.event() == seen.get());
  BOOST_TEST(r.event().node.value->size() == 100'000u);
}

BOOST_AUTO_TEST_SUITE_END()
