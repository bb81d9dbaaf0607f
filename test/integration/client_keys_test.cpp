// The client's keys API against a real server: the same cases run against a fresh coordd and a
// fresh etcd 3.4 (--enable-v2), each on one loopback member shared by the cases of this process
// (every case works under its own key prefix).
#include <boost/test/unit_test.hpp>

#include <boost/asio/use_future.hpp>
#include <future>

#include "coord/coord.hpp"
#include "test/support/client/server_fixture.hpp"

using namespace coord;
using coord::test::ServerCluster;

namespace {

int error_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.error_code();
  }
  return 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_keys)

COORD_BOTH_SERVERS_CASE(set_then_get__returns_value_and_indexes, 1) {
  Client client(coord::test::options_for(cluster));
  auto key = coord::test::test_prefix() + "/k";
  auto set = client.set(key, "v1");
  BOOST_TEST(set.action == "set");
  BOOST_TEST(set.http_status == 201);
  BOOST_TEST(set.node.key == key);
  BOOST_TEST(*set.node.value == "v1");
  BOOST_TEST(set.node.modified_index == set.etcd_index);
  BOOST_TEST(set.raft_index > 0u);
  auto got = client.get(key);
  BOOST_TEST(got.action == "get");
  BOOST_TEST(*got.node.value == "v1");
  BOOST_TEST(got.node.created_index == set.node.created_index);
  BOOST_TEST(!client.cluster_id().empty());
  auto replaced = client.set(key, "v2");
  BOOST_TEST(replaced.http_status == 200);
  BOOST_REQUIRE(replaced.prev_node.has_value());
  BOOST_TEST(*replaced.prev_node->value == "v1");
}

COORD_BOTH_SERVERS_CASE(get_missing__throws_error_100_with_cause_and_index, 1) {
  Client client(coord::test::options_for(cluster));
  auto key = coord::test::test_prefix() + "/missing";
  try {
    client.get(key);
    BOOST_FAIL("no error");
  } catch (const Error& e) {
    BOOST_TEST(e.error_code() == 100);
    BOOST_TEST(e.http_status() == 404);
    BOOST_TEST(e.message() == "Key not found");
    BOOST_TEST(!e.cause().empty());
    BOOST_TEST(e.index() > 0u);
  }
}

COORD_BOTH_SERVERS_CASE(create_update_cas_cad__follow_etcd_conditions, 1) {
  Client client(coord::test::options_for(cluster));
  auto key = coord::test::test_prefix() + "/c";
  auto created = client.create(key, "one");
  BOOST_TEST(created.action == "create");
  BOOST_TEST(error_code_of([&] { client.create(key, "again"); }) == 105);
  BOOST_TEST(error_code_of([&] { client.update(key + "x", "u"); }) == 100);
  auto updated = client.update(key, "two");
  BOOST_TEST(updated.action == "update");
  BOOST_TEST(updated.node.created_index == created.node.created_index);
  BOOST_TEST(error_code_of([&] { client.compare_and_swap(key, "three", "wrong", std::nullopt); }) == 101);
  auto swapped = client.compare_and_swap(key, "three", "two", updated.node.modified_index);
  BOOST_TEST(swapped.action == "compareAndSwap");
  BOOST_TEST(error_code_of([&] { client.compare_and_delete(key, "two", std::nullopt); }) == 101);
  auto deleted = client.compare_and_delete(key, "three", std::nullopt);
  BOOST_TEST(deleted.action == "compareAndDelete");
  BOOST_TEST(error_code_of([&] { client.get(key); }) == 100);
}

COORD_BOTH_SERVERS_CASE(mkdir_post_and_recursive_sorted_get__list_children_in_order, 1) {
  Client client(coord::test::options_for(cluster));
  auto dir = coord::test::test_prefix() + "/queue";
  BOOST_TEST(client.mkdir(dir).node.dir);
  BOOST_TEST(error_code_of([&] { client.mkdir(dir); }) == 105);
  auto a = client.create_in_order(dir, "job1");
  auto b = client.create_in_order(dir, "job2");
  BOOST_TEST(a.action == "create");
  BOOST_TEST(a.node.created_index < b.node.created_index);
  BOOST_TEST(a.node.key.size() == dir.size() + 21);  // "/" + 20 digits
  client.set(dir + "/sub/deep", "d");
  auto listing = client.get(dir, GetOptions{.recursive = true, .sorted = true});
  BOOST_REQUIRE_EQUAL(listing.node.nodes.size(), 3u);
  BOOST_TEST(*listing.node.nodes[0].value == "job1");
  BOOST_TEST(*listing.node.nodes[1].value == "job2");
  BOOST_TEST(listing.node.nodes[2].dir);
  BOOST_REQUIRE_EQUAL(listing.node.nodes[2].nodes.size(), 1u);
  BOOST_TEST(*listing.node.nodes[2].nodes[0].value == "d");
  BOOST_TEST(error_code_of([&] { client.remove(dir); }) == 102);
  BOOST_TEST(error_code_of([&] { client.remove(dir, DeleteOptions{.dir = true}); }) == 108);
  BOOST_TEST(client.remove(dir, DeleteOptions{.recursive = true}).node.dir);
}

COORD_BOTH_SERVERS_CASE(ttl_and_refresh__keep_value_and_report_ttl, 1) {
  Client client(coord::test::options_for(cluster));
  auto key = coord::test::test_prefix() + "/ttl";
  auto set = client.set(key, "alive", SetOptions{.ttl = std::chrono::seconds(30)});
  BOOST_REQUIRE(set.node.ttl.has_value());
  BOOST_TEST(*set.node.ttl <= 30);
  BOOST_TEST(!set.node.expiration.empty());
  auto refreshed = client.refresh(key, std::chrono::seconds(60));
  BOOST_TEST(*refreshed.node.value == "alive");
  BOOST_TEST(*refreshed.node.ttl > 30);
  auto checked = client.refresh(key, std::chrono::seconds(60), std::string("alive"));
  BOOST_TEST(checked.action == "compareAndSwap");
  BOOST_TEST(error_code_of([&] { client.refresh(key, std::chrono::seconds(60), std::string("other")); }) == 101);
}

COORD_BOTH_SERVERS_CASE(quorum_get__reads_latest_write, 1) {
  Client client(coord::test::options_for(cluster));
  auto key = coord::test::test_prefix() + "/q";
  auto set = client.set(key, "x");
  auto got = client.get(key, GetOptions{.quorum = true});
  BOOST_TEST(*got.node.value == "x");
  BOOST_TEST(got.etcd_index >= set.etcd_index);
}

COORD_BOTH_SERVERS_CASE(watch__returns_next_event_and_history_event, 1) {
  Client client(coord::test::options_for(cluster));
  auto key = coord::test::test_prefix() + "/w";
  auto first = client.set(key, "1");
  // From history: waitIndex at the write returns it at once.
  auto past = client.watch(key, WatchOptions{.wait_index = first.node.modified_index});
  BOOST_TEST(past.action == "set");
  BOOST_TEST(past.node.modified_index == first.node.modified_index);
  // Live: the watch is started first, the write comes after.
  auto pending = client.async_watch(key, WatchOptions{.wait_index = first.node.modified_index + 1},
                                    boost::asio::use_future);
  auto second = client.set(key, "2");
  auto ev = pending.get();
  BOOST_TEST(ev.node.modified_index == second.node.modified_index);
  BOOST_TEST(*ev.node.value == "2");
  BOOST_TEST(*ev.prev_node->value == "1");
}

COORD_BOTH_SERVERS_CASE(watch__cancelled_by_stop_token, 1) {
  Client client(coord::test::options_for(cluster));
  std::stop_source stop;
  auto key = coord::test::test_prefix() + "/never";
  auto waiting = std::async(std::launch::async, [&] {
    try {
      client.watch(key, WatchOptions{.stop = stop.get_token()});
    } catch (const TransportError& e) {
      return e.kind();
    }
    return TransportError::Kind::kProtocol;
  });
  BOOST_TEST((waiting.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout));
  stop.request_stop();
  BOOST_TEST((waiting.get() == TransportError::Kind::kCancelled));
}

COORD_BOTH_SERVERS_CASE(destructor__cancels_a_watch_in_flight_and_returns_promptly, 1) {
  std::promise<std::exception_ptr> outcome;  // outlives the client, whose thread sets it
  auto start = std::chrono::steady_clock::now();
  {
    Client client(coord::test::options_for(cluster));
    client.async_watch(coord::test::test_prefix() + "/quiet", {},
                       [&](std::exception_ptr e, Response) { outcome.set_value(e); });
    client.get("/");  // the watch is on its way; destroy the client while it waits
  }
  auto took = std::chrono::steady_clock::now() - start;
  auto f = outcome.get_future();
  BOOST_REQUIRE((f.wait_for(std::chrono::seconds(0)) == std::future_status::ready));  // ran before ~Client returned
  try {
    std::rethrow_exception(f.get());
  } catch (const TransportError& e) {
    BOOST_TEST((e.kind() == TransportError::Kind::kCancelled));
  } catch (...) {
    BOOST_FAIL("not a cancellation");
  }
  BOOST_TEST((took < std::chrono::seconds(3)));
}

COORD_BOTH_SERVERS_CASE(members__lists_the_member_with_its_client_url, 1) {
  Client client(coord::test::options_for(cluster));
  auto members = client.members();
  BOOST_REQUIRE_EQUAL(members.size(), 1u);
  BOOST_TEST(!members[0].id.empty());
  BOOST_REQUIRE_EQUAL(members[0].client_urls.size(), 1u);
  BOOST_TEST(members[0].client_urls[0] == cluster.client_url(0));
  BOOST_TEST(client.sync_endpoints().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
