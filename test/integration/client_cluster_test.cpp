// The client against 3-member clusters: losing the member in use, and a watcher that spans a
// member restart. Runs on real etcd; the coordd variants are skipped (by precondition) while
// coordd cannot start 3 members. Each case restores the members it stopped.
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>

#include "coord/coord.hpp"
#include "test/support/client/collected_events.hpp"
#include "test/support/client/server_fixture.hpp"

using namespace coord;
using coord::test::ServerCluster;

namespace {

// Puts member i back, whatever the test did to it.
struct Restore {
  ServerCluster& cluster;
  int member;
  ~Restore() {
    if (!cluster.running(member)) BOOST_CHECK_MESSAGE(cluster.restart(member), cluster.last_error());
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(client_cluster)

// The member in use is a follower (a killed leader would leave a write during the election with
// an unknown outcome, which the client reports rather than re-sends): after it dies, the next
// write fails to connect to it and moves on to another member.
COORD_BOTH_SERVERS_CASE(failover__killing_the_member_in_use_next_call_succeeds_elsewhere, 3) {
  auto leader = cluster.leader();
  BOOST_REQUIRE(leader.has_value());
  const int in_use = *leader == 0 ? 1 : 0;
  auto options = coord::test::options_for(cluster);
  options.endpoints = {cluster.client_url(in_use), cluster.client_url(*leader), cluster.client_url(3 - in_use - *leader)};
  Client client(options);
  auto key = coord::test::test_prefix() + "/k";
  client.set(key, "before");
  BOOST_TEST(client.current_endpoint() == cluster.client_url(in_use));  // sticky on the first
  Restore restore{cluster, in_use};
  cluster.kill(in_use);
  auto start = std::chrono::steady_clock::now();
  auto r = client.set(key, "after");
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  BOOST_TEST_MESSAGE("write after killing the member in use took " << took.count() << " ms");
  BOOST_TEST(*r.node.value == "after");
  BOOST_TEST(*client.get(key, GetOptions{.quorum = true}).node.value == "after");
}

// A frozen member in use (accepts connections, never answers): the write sits in its socket and
// may still apply when it thaws, so after one attempt timeout the client does not send it to
// another member: the caller gets kOutcomeUnknown. The client has moved on: the next write
// lands on another member at the next index (nothing between: the first was not re-sent), and
// the client keeps all three endpoints.
COORD_BOTH_SERVERS_CASE(failover__frozen_member_in_use_write_is_not_resent_elsewhere, 3) {
  auto options = coord::test::options_for(cluster);
  options.attempt_timeout = std::chrono::milliseconds(500);
  Client client(options);
  auto key = coord::test::test_prefix() + "/k";
  const auto before = client.set(key, "before");
  int in_use = 0;  // the member the client sticks to now
  while (in_use < 3 && cluster.client_url(in_use) != client.current_endpoint()) ++in_use;
  BOOST_REQUIRE(in_use < 3);
  struct Thaw {
    ServerCluster& c;
    int member;
    ~Thaw() { c.thaw(member); }
  } thaw{cluster, in_use};
  cluster.freeze(in_use);  // accepts connections (kernel backlog) but never answers
  try {
    client.set(key, "stuck");
    BOOST_ERROR("a write to a frozen member reported success");
  } catch (const TransportError& e) {
    BOOST_TEST((e.kind() == TransportError::Kind::kOutcomeUnknown), e.what());
  }
  auto r = client.set(key, "after");
  BOOST_TEST(*r.node.value == "after");
  BOOST_TEST(r.node.modified_index == before.node.modified_index + 1);
  const auto now = client.get(key, GetOptions{.quorum = true});
  BOOST_TEST(*now.node.value == "after");
  BOOST_TEST(now.node.modified_index == r.node.modified_index);
  BOOST_TEST(client.endpoints().size() == 3u);
}

COORD_BOTH_SERVERS_CASE(watcher__spans_member_restart_without_losing_or_repeating_events, 3) {
  auto dir = coord::test::test_prefix();
  Client watching(coord::test::options_for(cluster));  // polls member 0 first
  auto writer_options = coord::test::options_for(cluster);
  writer_options.endpoints = {cluster.client_url(1), cluster.client_url(2)};
  Client writer(writer_options);
  writer.mkdir(dir);
  coord::test::CollectedEvents got;
  Watcher watcher(watching, dir, got.callback(), WatcherOptions{.recursive = true, .poll_timeout = std::chrono::seconds(5)});
  BOOST_REQUIRE(got.wait_for(1));
  Restore restore{cluster, 0};
  std::vector<std::uint64_t> written;
  auto write_some = [&](int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) written.push_back(writer.set(dir + "/" + tag + std::to_string(i), tag).node.modified_index);
  };
  write_some(5, "a");
  BOOST_REQUIRE(got.wait_for(1 + written.size()));
  cluster.kill(0);
  // Member 0 may have led: a write during the election could end with an unknown outcome,
  // which the client reports instead of sending it again.
  BOOST_REQUIRE(cluster.leader().has_value());
  write_some(5, "b");
  BOOST_REQUIRE_MESSAGE(cluster.restart(0), cluster.last_error());
  write_some(5, "c");
  BOOST_REQUIRE(got.wait_for(1 + written.size()));
  auto events = got.copy();
  BOOST_REQUIRE_EQUAL(events.size(), 1 + written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    BOOST_TEST((events[i + 1].type == WatchEvent::Type::kEvent));
    BOOST_TEST(events[i + 1].response.node.modified_index == written[i]);
  }
}

COORD_BOTH_SERVERS_CASE(discovery__members_api_adds_the_other_members, 3) {
  auto options = coord::test::options_for(cluster);
  options.endpoints = {cluster.client_url(1)};
  options.discover_endpoints = true;
  Client client(options);
  auto endpoints = client.endpoints();
  BOOST_TEST(endpoints.size() == 3u);
  BOOST_TEST(endpoints.front() == cluster.client_url(1));
  BOOST_TEST(client.members().size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
