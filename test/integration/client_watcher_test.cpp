// coord::Watcher against a real server (coordd and etcd 3.4): ordered delivery of live writes,
// and the resync after the server's 1000-event history has moved past the watch index.
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>

#include "coord/coord.hpp"
#include "test/support/client/collected_events.hpp"
#include "test/support/client/server_fixture.hpp"

using namespace coord;

BOOST_AUTO_TEST_SUITE(client_watcher_live)

COORD_BOTH_SERVERS_CASE(watcher__delivers_every_write_once_in_order, 1) {
  Client client(coord::test::options_for(cluster));
  auto dir = coord::test::test_prefix();
  client.set(dir + "/seed", "0");
  coord::test::CollectedEvents got;
  Watcher watcher(client, dir, got.callback(), WatcherOptions{.recursive = true});
  BOOST_REQUIRE(got.wait_for(1));
  std::vector<std::uint64_t> written;
  for (int i = 0; i < 20; ++i) {
    written.push_back(client.set(dir + "/k" + std::to_string(i % 3), std::to_string(i)).node.modified_index);
  }
  written.push_back(client.remove(dir + "/k0").node.modified_index);
  BOOST_REQUIRE(got.wait_for(1 + written.size()));
  auto events = got.copy();
  BOOST_TEST((events[0].type == WatchEvent::Type::kSnapshot));
  BOOST_TEST(events[0].response.node.nodes.size() == 1u);
  BOOST_REQUIRE_EQUAL(events.size(), 1 + written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    BOOST_TEST(events[i + 1].response.node.modified_index == written[i]);
  }
  BOOST_TEST(events.back().response.action == "delete");
}

COORD_BOTH_SERVERS_CASE(watcher__history_cleared_gives_resync_with_fresh_snapshot, 1) {
  Client client(coord::test::options_for(cluster));
  auto prefix = coord::test::test_prefix();
  auto first = client.set(prefix + "/watched", "old");
  // Push the index more than 1000 events past the watched write.
  for (int i = 0; i < 1010; ++i) client.set(prefix + "/noise", std::to_string(i));
  client.set(prefix + "/watched", "new");
  coord::test::CollectedEvents got;
  Watcher watcher(client, prefix + "/watched", got.callback(),
                  WatcherOptions{.start_index = first.node.modified_index + 1});
  BOOST_REQUIRE(got.wait_for(1));
  auto events = got.copy();
  BOOST_TEST((events[0].type == WatchEvent::Type::kResync));
  BOOST_TEST(*events[0].response.node.value == "new");
  BOOST_TEST(watcher.resync_count() == 1u);
  // Started from an index, the watcher knew nothing: the catch-up is the key as it is now.
  BOOST_REQUIRE_EQUAL(events[0].changes.size(), 1u);
  BOOST_TEST(events[0].changes[0].action == "set");
  BOOST_TEST(*events[0].changes[0].node.value == "new");
}

BOOST_AUTO_TEST_SUITE_END()
