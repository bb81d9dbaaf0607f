// Watcher: snapshot, in-order events, resume after failures with the same index, 401 resync,
// and the lifetime rules of its callbacks — driven through a fake transport.
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>

#include "coord/watcher.hpp"
#include "test/support/client/fake_transport.hpp"

using namespace coord;
using namespace coord::test;
using S = TransportResult::Status;

namespace {

// Collects watcher callbacks; waits for a count with a bounded wait.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<WatchEvent> events;
  std::vector<std::exception_ptr> errors;

  Watcher::Callback callback() {
    return [this](const WatchEvent& e) {
      std::lock_guard lock(mu);
      events.push_back(e);
      cv.notify_all();
    };
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(5), [&] { return events.size() >= n; });
  }
  std::vector<WatchEvent> snapshot() {
    std::lock_guard lock(mu);
    return events;
  }
};

std::string wait_index_of(const HttpRequest& r) {
  auto p = r.target.find("waitIndex=");
  if (p == std::string::npos) return "";
  auto e = r.target.find('&', p);
  return r.target.substr(p + 10, e == std::string::npos ? std::string::npos : e - p - 10);
}

std::string dir_snapshot(std::uint64_t) {
  return R"({"action":"get","node":{"key":"/w","dir":true,"nodes":[{"key":"/w/a","value":"0","modifiedIndex":4,"createdIndex":4}],"modifiedIndex":3,"createdIndex":3}})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_watcher)

BOOST_AUTO_TEST_CASE(watcher__snapshot_then_events_in_order_each_from_previous_index_plus_one) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (!r.long_poll) return answer(200, dir_snapshot(10), 10);
    auto wi = wait_index_of(r);
    if (wi == "11") return answer(200, event_body("set", "/w/a", "1", 11), 10);
    if (wi == "12") return answer(200, event_body("set", "/w/b", "2", 15), 11);  // gaps are normal
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  Recorder rec;
  Watcher watcher(client, "/w", rec.callback(), WatcherOptions{.recursive = true});
  BOOST_REQUIRE(rec.wait_for(3));
  BOOST_REQUIRE(fake->wait_held(1));
  auto events = rec.snapshot();
  BOOST_TEST((events[0].type == WatchEvent::Type::kSnapshot));
  BOOST_TEST(events[0].response.node.nodes.size() == 1u);
  BOOST_TEST(events[0].next_index == 11u);
  BOOST_TEST((events[1].type == WatchEvent::Type::kEvent));
  BOOST_TEST(events[1].response.node.modified_index == 11u);
  BOOST_TEST(events[2].response.node.modified_index == 15u);
  BOOST_TEST(watcher.next_index() == 16u);
  auto sent = fake->sent();
  BOOST_TEST(sent[0].request.target == "/v2/keys/w?recursive=true&sorted=true&quorum=true");
  BOOST_TEST(wait_index_of(sent.back().request) == "16");
  BOOST_TEST(sent.back().request.target.find("recursive=true") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(watcher__history_cleared_401_rereads_and_reports_resync) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    static int snapshots = 0;
    if (!r.long_poll) return answer(200, dir_snapshot(0), snapshots++ == 0 ? 10 : 2000);
    auto wi = wait_index_of(r);
    if (wi == "11") {
      return answer(400, error_body(401, "The event in requested index is outdated and cleared",
                                    "the requested history has been cleared [1001/11]", 2000), 2000);
    }
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  Recorder rec;
  Watcher watcher(client, "/w", rec.callback(), WatcherOptions{.recursive = true});
  BOOST_REQUIRE(rec.wait_for(2));
  BOOST_REQUIRE(fake->wait_held(1));
  auto events = rec.snapshot();
  BOOST_TEST((events[1].type == WatchEvent::Type::kResync));
  BOOST_TEST(events[1].response.etcd_index == 2000u);
  BOOST_TEST(events[1].next_index == 2001u);
  BOOST_TEST(watcher.resync_count() == 1u);
  BOOST_TEST(wait_index_of(fake->sent().back().request) == "2001");
}

BOOST_AUTO_TEST_CASE(watcher__resync_reports_what_the_lost_history_changed_as_synthetic_events) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    static std::atomic<int> snapshots{0};
    if (!r.long_poll) {
      if (snapshots++ == 0) {
        return answer(200,
                      R"({"action":"get","node":{"key":"/w","dir":true,"nodes":[)"
                      R"({"key":"/w/a","value":"1","modifiedIndex":4,"createdIndex":4},)"
                      R"({"key":"/w/b","value":"2","modifiedIndex":5,"createdIndex":5}],"modifiedIndex":3,"createdIndex":3}})",
                      10);
      }
      // After the loss: a changed, b gone, c (seen live before the loss) kept, d new.
      return answer(200,
                    R"({"action":"get","node":{"key":"/w","dir":true,"nodes":[)"
                    R"({"key":"/w/a","value":"9","modifiedIndex":1500,"createdIndex":4},)"
                    R"({"key":"/w/c","value":"3","modifiedIndex":11,"createdIndex":11},)"
                    R"({"key":"/w/d","value":"4","modifiedIndex":1600,"createdIndex":1600}],"modifiedIndex":3,"createdIndex":3}})",
                    2000);
    }
    auto wi = wait_index_of(r);
    if (wi == "11") return answer(200, event_body("set", "/w/c", "3", 11), 10);
    if (wi == "12") {
      return answer(400, error_body(401, "The event in requested index is outdated and cleared", "[1001/12]", 2000), 2000);
    }
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  Recorder rec;
  Watcher watcher(client, "/w", rec.callback(), WatcherOptions{.recursive = true});
  BOOST_REQUIRE(rec.wait_for(3));
  auto resync = rec.snapshot()[2];
  BOOST_TEST((resync.type == WatchEvent::Type::kResync));
  BOOST_REQUIRE_EQUAL(resync.changes.size(), 3u);
  BOOST_TEST(resync.changes[0].action == "set");
  BOOST_TEST(resync.changes[0].node.key == "/w/a");
  BOOST_TEST(*resync.changes[0].node.value == "9");
  BOOST_TEST(*resync.changes[0].prev_node->value == "1");
  BOOST_TEST(resync.changes[1].action == "delete");
  BOOST_TEST(resync.changes[1].node.key == "/w/b");
  BOOST_TEST(*resync.changes[1].prev_node->value == "2");
  BOOST_TEST(resync.changes[2].node.key == "/w/d");
}

BOOST_AUTO_TEST_CASE(watcher__endpoint_failure_resumes_with_same_index_without_loss_or_repeat) {
  std::atomic<int> polls{0};
  // The transport runs on the client's thread; Boost.Test is not thread-safe, so what the retried
  // poll looked like is kept here and checked on the test's thread.
  std::mutex retried_mutex;
  std::string retried_endpoint, retried_wait_index;
  auto fake = std::make_shared<FakeTransport>([&](const std::string& ep, const HttpRequest& r) -> std::optional<TransportResult> {
    if (!r.long_poll) return answer(200, event_body("get", "/k", "0", 10), 10);
    int n = polls++;
    if (n == 0) return failure(S::kIoError, true);  // the member dies during the poll
    if (n == 1) {
      std::lock_guard lock(retried_mutex);
      retried_endpoint = ep;
      retried_wait_index = wait_index_of(r);
      return answer(200, event_body("set", "/k", "1", 11), 10);
    }
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  Recorder rec;
  Watcher watcher(client, "/k", rec.callback());
  BOOST_REQUIRE(rec.wait_for(2));
  BOOST_REQUIRE(fake->wait_held(1));
  {
    std::lock_guard lock(retried_mutex);
    BOOST_TEST(retried_endpoint != "http://a:1");
    BOOST_TEST(retried_wait_index == "11");
  }
  auto events = rec.snapshot();
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(events[1].response.node.modified_index == 11u);
  BOOST_TEST(wait_index_of(fake->sent().back().request) == "12");
}

BOOST_AUTO_TEST_CASE(watcher__missing_key_snapshot_reports_absent_and_waits_from_error_index) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (!r.long_poll) return answer(404, error_body(100, "Key not found", "/k", 30), 30);
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  Recorder rec;
  Watcher watcher(client, "/k", rec.callback());
  BOOST_REQUIRE(rec.wait_for(1));
  BOOST_REQUIRE(fake->wait_held(1));
  BOOST_TEST(!rec.snapshot()[0].exists);
  BOOST_TEST(wait_index_of(fake->sent().back().request) == "31");
}

BOOST_AUTO_TEST_CASE(watcher__start_index_skips_snapshot) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  Recorder rec;
  Watcher watcher(client, "/k", rec.callback(), WatcherOptions{.start_index = 77});
  BOOST_REQUIRE(fake->wait_held(1));
  BOOST_TEST(fake->sent().size() == 1u);
  BOOST_TEST(wait_index_of(fake->sent()[0].request) == "77");
}

BOOST_AUTO_TEST_CASE(watcher__no_callback_after_destructor_returns) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (!r.long_poll) return answer(200, event_body("get", "/k", "0", 10), 10);
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  std::atomic<bool> destroyed{false};
  std::atomic<int> late{0};
  {
    Watcher watcher(client, "/k", [&](const WatchEvent&) {
      if (destroyed) ++late;
    });
    BOOST_REQUIRE(fake->wait_held(1));
  }
  destroyed = true;
  // The poll was cancelled by the destructor; completing anything now must reach nobody.
  BOOST_TEST(fake->held() == 0u);
  BOOST_TEST(!fake->complete_oldest(answer(200, event_body("set", "/k", "1", 11))));
  BOOST_TEST(late.load() == 0);
}

BOOST_AUTO_TEST_CASE(watcher__can_be_destroyed_from_its_own_callback) {
  std::atomic<int> n{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (!r.long_poll) return answer(200, event_body("get", "/k", "0", 10), 10);
    return answer(200, event_body("set", "/k", "x", 11 + n++), 10);
  });
  Client client(FakeTransport::options(fake));
  std::mutex mu;
  std::condition_variable cv;
  std::unique_ptr<Watcher> watcher;
  int calls = 0;
  bool gone = false;
  {
    std::lock_guard lock(mu);  // the callback cannot run before `watcher` is assigned
    watcher = std::make_unique<Watcher>(client, "/k", [&](const WatchEvent&) {
      std::lock_guard l(mu);
      ++calls;
      watcher.reset();
      gone = true;
      cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  BOOST_REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return gone; }));
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_SUITE_END()
