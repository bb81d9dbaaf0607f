// Writes whose reply is lost, against coordd and real etcd 3.4 (v2), with a TcpRelay between the
// writer's client and the server. Fault: the request reaches the server and applies, the relay
// holds the reply, and then drops the connection (the reply is lost). Must hold: the SDK does not
// send the write again — a second copy would apply after another client's newer write and undo
// it — and tells its caller that the outcome is unknown; a recipe that wrote a unique value
// settles that outcome by reading it back. The two recipe calls whose outcome stays with their
// caller are held to what README.md promises: ConfigWatcher::publish reports it and never
// overwrites a newer value; WorkItem::ack reports it, the item stays ours, and ack() again
// settles it.
#include <boost/test/unit_test.hpp>

#include <future>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/use_future.hpp>

#include "coord/coord.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/net/tcp_relay.hpp"
#include "test/support/recipes/recipe_test_util.hpp"

using namespace coord;
using namespace coord::recipes;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::quorum_value;
using coord::test::unique_name;

namespace {

ClientOptions via_relay(const coord::test::TcpRelay& relay) {
  ClientOptions o;
  o.endpoints = {relay.url()};
  o.request_timeout = 5s;
  o.attempt_timeout = 3s;  // longer than the test needs: the lost connection, not a timeout, ends the attempt
  o.retry.seed = 7;
  return o;
}

// Through the relay, giving up on a held request (and on the read that looks for its effect)
// within 1.5 s: for recipes whose own settling of an unknown outcome is under test.
ClientOptions via_relay_giving_up_soon(const coord::test::TcpRelay& relay) {
  ClientOptions o = via_relay(relay);
  o.request_timeout = 1500ms;
  o.attempt_timeout = 500ms;
  return o;
}


template <class T>
TransportError::Kind failure_kind(std::future<T>& pending) {
  try {
    pending.get();
  } catch (const TransportError& e) {
    return e.kind();
  }
  BOOST_FAIL("the write reported success");
  return TransportError::Kind::kProtocol;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_write_faults)

// A plain set applies; before its lost reply is noticed, another client sets a newer value.
COORD_BOTH_SERVERS_CASE(set_with_lost_reply__is_not_sent_again_over_a_newer_write, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a(via_relay(relay));
  Client b(coord::test::options_for(cluster));
  std::string key = "/outcome/" + unique_name("set");
  relay.freeze_replies();
  auto pending = a.async_set(key, "older", {}, boost::asio::use_future);
  BOOST_REQUIRE(eventually([&] { return quorum_value(b, key) == std::optional<std::string>("older"); }, 5s));
  b.set(key, "newer");
  relay.cut();   // the held reply is gone with its connection
  relay.thaw();  // the resolution read gets through
  BOOST_TEST((failure_kind(pending) == TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(quorum_value(b, key).value_or("<none>") == "newer");
}

// The same with a compare-and-swap whose compared value comes back (A → B by us, B → A by the
// other client): a second copy of ours would find A again and apply over the other's write.
COORD_BOTH_SERVERS_CASE(compare_and_swap_with_lost_reply__is_not_applied_again_after_aba, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a(via_relay(relay));
  Client b(coord::test::options_for(cluster));
  std::string key = "/outcome/" + unique_name("cas");
  b.set(key, "A");
  relay.freeze_replies();
  auto pending = a.async_compare_and_swap(key, "B", std::string("A"), std::nullopt, {}, boost::asio::use_future);
  BOOST_REQUIRE(eventually([&] { return quorum_value(b, key) == std::optional<std::string>("B"); }, 5s));
  b.compare_and_swap(key, "A", std::string("B"), std::nullopt);
  auto index_after_other = b.get(key, GetOptions{.quorum = true}).node.modified_index;
  relay.cut();
  relay.thaw();
  BOOST_TEST((failure_kind(pending) == TransportError::Kind::kOutcomeUnknown));
  auto now = b.get(key, GetOptions{.quorum = true}).node;
  BOOST_TEST(now.value.value_or("<none>") == "A");
  BOOST_TEST(now.modified_index == index_after_other);
}

// A TaskProgress's create applies but every reply is held until the client gave up on it (and on
// its resolution read). Must hold: the task is adopted (the key holds our unique token) instead
// of refused, and it is alive and writable.
COORD_BOTH_SERVERS_CASE(task_progress__create_with_lost_reply_is_adopted, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a(via_relay_giving_up_soon(relay));
  Client b(coord::test::options_for(cluster));
  std::string job = unique_name("job");
  relay.freeze_replies();
  auto started = std::async(std::launch::async, [&] {
    return std::make_unique<TaskProgress>(a, job, "t1", TaskProgressOptions{.ttl = 5s});
  });
  std::string key = "/coord/jobs/" + job + "/t1";
  BOOST_REQUIRE(eventually([&] { return quorum_value(b, key).has_value(); }, 5s));
  // Connections: the create, at most two attempts of its resolution read (it has 1 s, an attempt
  // 500 ms), then the adoption's refresh: by the fourth the create call has given up.
  BOOST_REQUIRE(eventually([&] { return relay.accepted() >= 4 || started.wait_for(0s) == std::future_status::ready; }, 10s));
  relay.thaw();
  BOOST_REQUIRE(started.wait_for(10s) == std::future_status::ready);
  std::unique_ptr<TaskProgress> task;
  BOOST_REQUIRE_NO_THROW(task = started.get());
  BOOST_TEST(task->alive());
  task->report(0.5, "half");
  task->flush();
  auto status = TaskStatus::from_node(b.get(key, GetOptions{.quorum = true}).node);
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(status->fraction == 0.5);
  task->complete();
}

// ConfigWatcher::publish (a plain set) applies; before its lost reply is noticed, another
// publisher sets a newer value. Must hold (README.md, the ConfigWatcher row): publish reports
// kOutcomeUnknown, not success, and sends nothing again — the newer value stays in place and a
// watcher of the directory sees each value once, in order, ending with the newer one.
COORD_BOTH_SERVERS_CASE(config_publish_with_lost_reply__reports_unknown_and_never_overwrites_a_newer_value, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a(via_relay(relay));
  Client b(coord::test::options_for(cluster));
  std::string dir = "/outcome/" + unique_name("cfg");
  std::mutex mu;
  std::vector<std::string> seen;
  ConfigWatcher watcher(b, dir, [&](const ConfigChange& c, const auto&) {
    std::lock_guard lock(mu);
    if (c.kind == ConfigChange::Kind::kSet && c.name == "n") seen.push_back(*c.value);
  });
  BOOST_REQUIRE(watcher.wait_ready(5s));
  relay.freeze_replies();
  auto pending = std::async(std::launch::async, [&] { return ConfigWatcher::publish(a, dir, "n", "older"); });
  BOOST_REQUIRE(eventually([&] { return quorum_value(b, dir + "/n") == std::optional<std::string>("older"); }, 5s));
  ConfigWatcher::publish(b, dir, "n", "newer");
  relay.cut();   // the held reply is gone with its connection
  relay.thaw();  // the resolution read gets through and finds someone else's value
  BOOST_TEST((failure_kind(pending) == TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(quorum_value(b, dir + "/n").value_or("<none>") == "newer");
  BOOST_TEST(eventually([&] { return watcher.get("n") == std::optional<std::string>("newer"); }, 5s));
  std::lock_guard lock(mu);
  BOOST_TEST(seen == (std::vector<std::string>{"older", "newer"}), boost::test_tools::per_element());
}

// WorkItem::ack's removal of the item applies, but every reply is held until the client gave up
// on it and on the read that looks for its effect. Must hold (README.md, work_queue.hpp): ack
// throws kOutcomeUnknown; the item is still ours (holds(), our claim in place); ack() again
// settles it (the item counts as removed) and removes the claim; nothing is left of the item.
COORD_BOTH_SERVERS_CASE(work_item_ack_with_lost_reply__reports_unknown_and_ack_again_settles_it, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a(via_relay_giving_up_soon(relay));
  Client b(coord::test::options_for(cluster));
  std::string name = unique_name("wq");
  WorkQueue producer(b, name);
  producer.push("job");
  // A claim TTL well above the few seconds the replies are held: the claim's refreshes are held
  // too, and the case is about ack, not about a lost claim.
  WorkQueue consumer(a, name, {.ttl = 10s});
  auto item = consumer.claim(5s);
  BOOST_REQUIRE(item.has_value());
  const std::string claim_key = producer.directory() + "/claims/" + item->id();
  relay.freeze_replies();
  auto acked = std::async(std::launch::async, [&] { item->ack(); });
  BOOST_REQUIRE(eventually([&] { return producer.size() == 0u; }, 5s));  // the removal applied
  BOOST_REQUIRE(acked.wait_for(10s) == std::future_status::ready);
  relay.thaw();
  BOOST_TEST((failure_kind(acked) == TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(item->holds());
  BOOST_TEST(quorum_value(b, claim_key).has_value());  // not released: the item is still ours
  BOOST_REQUIRE_NO_THROW(item->ack());
  BOOST_TEST(!quorum_value(b, claim_key).has_value());
  BOOST_TEST(producer.size() == 0u);
  BOOST_CHECK_THROW(item->ack(), RecipeError);  // acknowledged: done
}

BOOST_AUTO_TEST_SUITE_END()
