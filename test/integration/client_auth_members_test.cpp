// Members API (add/remove on a 3-member cluster) and basic-auth credentials against a server
// with v2 auth enabled. The auth case runs on a server of its own: enabling auth changes it.
#include <boost/test/unit_test.hpp>

#include <future>

#include "coord/coord.hpp"
#include "test/support/client/server_fixture.hpp"

using namespace coord;
using namespace coord::test;

namespace {

// Sends one raw v2 request through the client (JSON body) and waits; rethrows errors.
void raw(Client& client, const std::string& method, const std::string& target, const std::string& json,
         const std::string& authorization = {}) {
  detail::Operation op;
  op.request.method = method;
  op.request.target = target;
  op.request.body = json;
  op.request.content_type = json.empty() ? "" : "application/json";
  op.request.authorization = authorization;
  op.result = detail::ResultKind::kNoContent;  // any 2xx
  op.retry = detail::RetryClass::kRead;
  op.timeout = std::chrono::seconds(10);
  std::promise<void> done;
  client.start(std::move(op), [&](std::exception_ptr e, Response) {
    if (e) {
      done.set_exception(e);
    } else {
      done.set_value();
    }
  });
  done.get_future().get();
}

int error_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.error_code();
  }
  return -1;
}

void run_auth_case(ServerKind kind) {
  ServerCluster cluster(kind, 1);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  auto options = options_for(cluster);
  {
    Client admin(options);
    raw(admin, "PUT", "/v2/auth/users/root", R"({"user":"root","password":"s3cret"})");
    raw(admin, "PUT", "/v2/auth/enable", "");
    // Without this the guest role keeps full access.
    raw(admin, "PUT", "/v2/auth/roles/guest",
        R"({"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}})", "Basic cm9vdDpzM2NyZXQ=");
  }
  Client anonymous(options);
  BOOST_TEST(error_code_of([&] { anonymous.set("/a/k", "v"); }) == errc::kUnauthorized);
  options.username = "root";
  options.password = "s3cret";
  Client authorized(options);
  authorized.set("/a/k", "v");
  BOOST_TEST(*authorized.get("/a/k").node.value == "v");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_auth_members)

COORD_BOTH_SERVERS_CASE(members__add_then_remove_a_member, 3) {
  Client client(options_for(cluster));
  int peer_port = free_port();
  auto added = client.add_member({"http://127.0.0.1:" + std::to_string(peer_port)});
  BOOST_TEST(!added.id.empty());
  BOOST_TEST(added.peer_urls.at(0) == "http://127.0.0.1:" + std::to_string(peer_port));
  BOOST_TEST(client.members().size() == 4u);
  client.remove_member(added.id);
  BOOST_TEST(client.members().size() == 3u);
  try {
    client.remove_member(added.id);
    BOOST_FAIL("removed twice");
  } catch (const Error& e) {
    BOOST_TEST(e.error_code() == 0);  // members API errors carry no etcd error code
    BOOST_TEST((e.http_status() == 404 || e.http_status() == 410));
    BOOST_TEST(!e.message().empty());
  }
}

BOOST_AUTO_TEST_CASE(basic_auth__credentials_pass_where_anonymous_is_refused__etcd,
                     *boost::unit_test::precondition(ServerAvailable{ServerKind::kEtcd})) {
  run_auth_case(ServerKind::kEtcd);
}

BOOST_AUTO_TEST_CASE(basic_auth__credentials_pass_where_anonymous_is_refused__coordd,
                     *boost::unit_test::precondition(ServerAvailable{ServerKind::kCoordd})) {
  run_auth_case(ServerKind::kCoordd);
}

BOOST_AUTO_TEST_SUITE_END()
