// The dashboard's replication status (GET /ui/api/raft, server/http/raft_status_json.hpp) on a
// real 3-member coordd cluster: the leader lists both followers caught up; with one follower
// frozen (SIGSTOP) and writes on the leader, that follower's lag grows with the writes, and
// once thawed it comes back to 0; a follower's own answer names the leader and lists no
// followers; anything but GET and HEAD gets 405. Skipped when $COORDD is not set.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "test/support/client/server_fixture.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
using coord::test::ServerCluster;
using coord::test::ServerKind;

namespace {

boost::json::object raft_status(const std::string& url) {
  auto reply = coord::test::http_get(url + "/ui/api/raft", 2s);
  BOOST_REQUIRE(reply);
  BOOST_REQUIRE_EQUAL(reply->status, 200);
  return boost::json::parse(reply->body).as_object();
}

// The lag the member at `url` reports for follower `id`, or -1 when it does not list it.
std::int64_t lag_of(const std::string& url, const std::string& id) {
  const auto status = raft_status(url);
  for (const auto& f : status.at("followers").as_array())
    if (f.at("id").as_string() == id) return f.at("lag").to_number<std::int64_t>();
  return -1;
}

void put_keys(const std::string& url, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    auto r = coord::test::http_request("PUT", url + "/v2/keys" + prefix + std::to_string(i), "value=v", 5s);
    BOOST_REQUIRE(r);
    BOOST_REQUIRE_EQUAL(r->status, 201);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dashboard_raft, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(a_frozen_follower_shows_a_growing_lag_then_zero_once_thawed) {
  ServerCluster cluster(ServerKind::kCoordd, 3);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  const auto leader = cluster.leader();
  BOOST_REQUIRE(leader);
  const std::string leader_url = cluster.client_url(*leader);
  const int frozen = (*leader + 1) % 3, other = (*leader + 2) % 3;
  const std::string frozen_id(raft_status(cluster.client_url(frozen)).at("id").as_string());
  const std::string other_id(raft_status(cluster.client_url(other)).at("id").as_string());
  const std::string leader_id(raft_status(leader_url).at("id").as_string());

  const auto follower_view = raft_status(cluster.client_url(other));
  BOOST_TEST(follower_view.at("leader").as_string() == leader_id);
  BOOST_TEST(follower_view.at("followers").as_array().empty());
  BOOST_TEST_REQUIRE(coord::test::eventually([&] { return lag_of(leader_url, frozen_id) == 0 && lag_of(leader_url, other_id) == 0; }, 10s));
  BOOST_TEST(raft_status(leader_url).at("followers").as_array().size() == 2u);

  cluster.freeze(frozen);
  put_keys(leader_url, "/lag/a", 20);
  BOOST_TEST_REQUIRE(coord::test::eventually([&] { return lag_of(leader_url, frozen_id) >= 20; }, 5s));
  const std::int64_t lag_before = lag_of(leader_url, frozen_id);
  put_keys(leader_url, "/lag/b", 10);
  BOOST_TEST(coord::test::eventually([&] { return lag_of(leader_url, frozen_id) >= lag_before + 10; }, 5s));
  BOOST_TEST(coord::test::eventually([&] { return lag_of(leader_url, other_id) == 0; }, 5s));
  const auto view = raft_status(leader_url);
  BOOST_TEST(view.at("lastIndex").to_number<std::uint64_t>() >= view.at("commitIndex").to_number<std::uint64_t>());

  cluster.thaw(frozen);
  BOOST_TEST(coord::test::eventually([&] { return lag_of(leader_url, frozen_id) == 0; }, 10s));

  auto post = coord::test::http_request("POST", leader_url + "/ui/api/raft", "", 2s);
  BOOST_REQUIRE(post);
  BOOST_TEST(post->status == 405);
}

BOOST_AUTO_TEST_SUITE_END()
