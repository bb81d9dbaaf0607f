// The shared Refresher and the queue recipes against the client's fake transport: what goes on
// the wire (owner-checked refresh at a third of the TTL; a try_lock that is not first withdraws
// its entry) and how losses are declared (server says 100; local deadline while requests hang).
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <future>
#include <mutex>

#include "coord/coord.hpp"
#include "test/support/client/fake_transport.hpp"

using namespace coord;
using namespace coord::recipes;
using namespace std::chrono_literals;
using coord::test::FakeTransport;
using Clock = std::chrono::steady_clock;

namespace {

bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(recipes_fake)

BOOST_AUTO_TEST_CASE(refresher__sends_owner_checked_refresh_at_a_third_of_the_ttl) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) {
    return coord::test::answer(200, coord::test::event_body("update", "/k", "tok", 11));
  });
  Refresher refresher;  // declared first: it must outlive the client's in-flight requests
  Client client(FakeTransport::options(fake));
  auto added = Clock::now();
  auto id = refresher.add(client, Refresher::Entry{"/k", 3s, "tok", added, nullptr});
  BOOST_REQUIRE(fake->wait_sent(1, 3s));
  auto first = Clock::now() - added;
  auto sent = fake->sent().front().request;
  BOOST_TEST(sent.method == "PUT");
  BOOST_TEST(has(sent.target + "&" + sent.body, "refresh=true"));
  BOOST_TEST(has(sent.target + "&" + sent.body, "prevValue=tok"));
  BOOST_TEST(has(sent.target + "&" + sent.body, "ttl=3"));
  BOOST_TEST((first >= 850ms));   // a third of 3 s with -10% jitter
  BOOST_TEST((first <= 1500ms));  // +10% jitter and scheduling slack
  refresher.remove(id);
  BOOST_TEST(refresher.size() == 0u);
}

BOOST_AUTO_TEST_CASE(refresher__declares_lost_when_the_server_says_key_not_found) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) {
    return coord::test::answer(404, coord::test::error_body(100, "Key not found", "/k", 12));
  });
  Refresher refresher;  // declared first: it must outlive the client's in-flight requests
  Client client(FakeTransport::options(fake));
  std::promise<std::string> lost;
  refresher.add(client, Refresher::Entry{"/k", 3s, "tok", Clock::now() - 1s, [&](const std::string& why) { lost.set_value(why); }});
  auto f = lost.get_future();
  BOOST_REQUIRE(f.wait_for(3s) == std::future_status::ready);
  BOOST_TEST(has(f.get(), "expired"));
  BOOST_TEST(refresher.size() == 0u);
}

BOOST_AUTO_TEST_CASE(refresher__declares_lost_by_local_deadline_while_requests_hang) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) {
    return std::optional<TransportResult>();  // held: the cluster does not answer
  });
  Refresher refresher;  // declared first: it must outlive the client's in-flight requests
  Client client(FakeTransport::options(fake));
  std::promise<std::string> lost;
  auto added = Clock::now();
  refresher.add(client, Refresher::Entry{"/k", 2s, "tok", added, [&](const std::string& why) { lost.set_value(why); }});
  auto f = lost.get_future();
  BOOST_REQUIRE(f.wait_for(4s) == std::future_status::ready);
  auto after = Clock::now() - added;
  BOOST_TEST(has(f.get(), "local deadline"));
  BOOST_TEST((after >= 1450ms));  // TTL 2 s - margin 0.5 s
  BOOST_TEST((after <= 2000ms));
}

BOOST_AUTO_TEST_CASE(refresher__no_callback_after_remove_returns) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) {
    return coord::test::answer(404, coord::test::error_body(100, "Key not found", "/k", 12));
  });
  Refresher refresher;  // declared first: it must outlive the client's in-flight requests
  Client client(FakeTransport::options(fake));
  std::atomic<int> calls{0};
  auto id = refresher.add(client, Refresher::Entry{"/k", 30s, "tok", Clock::now(), [&](const std::string&) { ++calls; }});
  refresher.remove(id);
  BOOST_TEST(calls.load() == 0);
  BOOST_TEST(refresher.size() == 0u);
  BOOST_TEST(fake->sent().empty());  // not due for 10 s
}

BOOST_AUTO_TEST_CASE(sequenced_lock__try_lock_not_first_withdraws_its_entry) {
  std::string posted_value;
  std::mutex mu;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (r.method == "POST") {
      return coord::test::answer(201, coord::test::event_body("create", "/coord/qlocks/q/00000000000000000021", "v", 21), 21);
    }
    if (r.method == "GET") {
      std::string body = R"({"action":"get","node":{"key":"/coord/qlocks/q","dir":true,"nodes":[)"
                         R"({"key":"/coord/qlocks/q/00000000000000000020","value":"other","modifiedIndex":20,"createdIndex":20},)"
                         R"({"key":"/coord/qlocks/q/00000000000000000021","value":"v","modifiedIndex":21,"createdIndex":21}],)"
                         R"("modifiedIndex":5,"createdIndex":5}})";
      return coord::test::answer(200, body, 21);
    }
    return coord::test::answer(200, coord::test::event_body("compareAndDelete", "/coord/qlocks/q/00000000000000000021", "", 22), 22);
  });
  Client client(FakeTransport::options(fake));
  SequencedLock lock(client, "q", {.ttl = 5s});
  BOOST_TEST(!lock.try_lock());
  BOOST_TEST(!lock.owns_lock());
  auto sent = fake->sent();
  BOOST_REQUIRE(!sent.empty());
  const HttpRequest& last = sent.back().request;
  BOOST_TEST(last.method == "DELETE");
  BOOST_TEST(has(last.target, "/coord/qlocks/q/00000000000000000021"));
  BOOST_TEST(has(last.target + "&" + last.body, "prevValue="));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recipes_fake_config)

// History loss (401) during a config watch: the fresh snapshot is diffed into per-key changes
// flagged `resync` (a changed key, a new key, a removed key), in one ordered batch.
BOOST_AUTO_TEST_CASE(config_watcher__resync_after_401_emits_the_diff) {
  std::mutex mu;
  int snapshots = 0, polls = 0;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (has(r.target, "wait=true")) {
      if (polls++ == 0) return coord::test::answer(400, coord::test::error_body(401, "The event in requested index is outdated and cleared", "", 2000), 2000);
      return std::nullopt;  // later polls wait
    }
    ++snapshots;
    std::string nodes = snapshots == 1
        ? R"({"key":"/cfg/n","value":"1","modifiedIndex":5,"createdIndex":5},{"key":"/cfg/x","value":"gone soon","modifiedIndex":6,"createdIndex":6})"
        : R"({"key":"/cfg/m","value":"new","modifiedIndex":1500,"createdIndex":1500},{"key":"/cfg/n","value":"2","modifiedIndex":1900,"createdIndex":5})";
    return coord::test::answer(200, R"({"action":"get","node":{"key":"/cfg","dir":true,"nodes":[)" + nodes +
                                        R"(],"modifiedIndex":4,"createdIndex":4}})", snapshots == 1 ? 10 : 2000);
  });
  Client client(FakeTransport::options(fake));
  std::vector<ConfigChange> changes;
  std::condition_variable cv;
  ConfigWatcher watcher(client, "/cfg", [&](const ConfigChange& c, const auto&) {
    std::lock_guard lock(mu);
    changes.push_back(c);
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  BOOST_REQUIRE(cv.wait_for(lock, 5s, [&] { return changes.size() >= 4; }));
  BOOST_TEST((changes[0].kind == ConfigChange::Kind::kSnapshot));
  BOOST_TEST((changes[1].kind == ConfigChange::Kind::kDelete));
  BOOST_TEST(changes[1].name == "x");
  BOOST_TEST(changes[1].resync);
  BOOST_TEST(changes[2].name == "m");
  BOOST_TEST(*changes[2].value == "new");
  BOOST_TEST(changes[3].name == "n");
  BOOST_TEST(*changes[3].value == "2");
  BOOST_TEST(changes[3].resync);
  lock.unlock();
  BOOST_TEST((watcher.get_as<int>("n") == 2));
  BOOST_TEST(!watcher.get("x").has_value());
  BOOST_TEST(watcher.resync_count() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
