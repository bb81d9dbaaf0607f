// Watcher: snapshot, in-order events, resume after failures with the same index, 401 resync,
// and the lifetime rules of its callbacks — driven through a fake transport.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <condition_variable>
#include <thread>
#include <future>
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


// The watcher is destroyed in a completion handler (on the client's only thread) while its
// callback is about to make a blocking call, which needs that same thread. Must hold: neither
// waits for the other for ever — the handler returns and the blocking call completes.
BOOST_AUTO_TEST_CASE(destructor__on_a_client_thread_does_not_wait_for_ever_on_a_blocked_callback) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.target.find("wait=true") != std::string::npos) return std::nullopt;
    return answer(200, event_body("get", "/k", "v", 5));
  });
  auto options = FakeTransport::options(fake);
  options.io_threads = 1;
  Client client(options);
  std::promise<void> in_callback, go, handler_entered;
  std::promise<bool> call_done, handler_done;
  std::shared_future<void> go_f = go.get_future().share();
  std::atomic<bool> first{true};
  auto watcher = std::make_shared<std::unique_ptr<Watcher>>();
  *watcher = std::make_unique<Watcher>(client, "/k", [&](const WatchEvent&) {
    if (!first.exchange(false)) return;
    in_callback.set_value();
    go_f.wait();
    try {
      client.get("/other");  // needs the client's thread
      call_done.set_value(true);
    } catch (...) {
      call_done.set_value(false);
    }
  });
  BOOST_REQUIRE(in_callback.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  client.async_get("/k", {}, [&, watcher](std::exception_ptr, Response) {
    handler_entered.set_value();
    watcher->reset();  // on the client's thread, while the callback waits
    handler_done.set_value(true);
  });
  BOOST_REQUIRE(handler_entered.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  go.set_value();
  auto handler = handler_done.get_future();
  auto call = call_done.get_future();
  BOOST_REQUIRE(handler.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  BOOST_REQUIRE(call.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  BOOST_TEST(call.get());
}


// Polls end at their deadline without an event, after the server sent the answer's head with
// X-Etcd-Index. Must hold: the next poll continues past that index (never backwards), so a quiet
// watcher is not left behind the server's 1000-event history by writes elsewhere.
BOOST_AUTO_TEST_CASE(quiet_poll__continues_past_the_index_of_the_answers_head) {
  std::mutex mu;
  int polls = 0;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.target.find("wait=true") == std::string::npos) return answer(200, event_body("get", "/k", "v", 5), 10);
    std::lock_guard lock(mu);
    if (polls >= 2) return std::nullopt;  // then the watch waits
    TransportResult quiet;
    quiet.status = S::kTimeout;
    quiet.maybe_sent = true;
    quiet.response.status = 200;
    quiet.response.headers["x-etcd-index"] = polls++ == 0 ? "2000" : "1500";  // the second from a lagging member
    return quiet;
  });
  Client client(FakeTransport::options(fake));
  Recorder got;
  Watcher watcher(client, "/k", got.callback(), WatcherOptions{.poll_timeout = std::chrono::milliseconds(0)});
  BOOST_REQUIRE(fake->wait_held(1));
  std::vector<std::string> targets;
  for (const auto& sent : fake->sent()) {
    if (sent.request.target.find("wait=true") != std::string::npos) targets.push_back(sent.request.target);
  }
  BOOST_REQUIRE_EQUAL(targets.size(), 3u);
  BOOST_TEST(targets[0].find("waitIndex=11") != std::string::npos);
  BOOST_TEST(targets[1].find("waitIndex=2001") != std::string::npos);
  BOOST_TEST(targets[2].find("waitIndex=2001") != std::string::npos);
  BOOST_TEST(watcher.next_index() == 2001u);
  BOOST_TEST(watcher.resync_count() == 0u);
}

// Member a keeps answering long polls (quietly, as a member cut off from the quorum does) but its
// quorum read fails. Must hold: after confirm_after without an event the watcher confirms with a
// quorum read, that read moves the client to b, and the next poll goes to b with the same
// waitIndex, so the change made on the majority is delivered.
BOOST_AUTO_TEST_CASE(quiet_watch__confirms_with_a_quorum_read_and_moves_off_a_member_cut_from_the_quorum) {
  std::mutex mu;
  int gets_on_a = 0;
  std::vector<std::string> polls_on_b;
  auto fake = std::make_shared<FakeTransport>([&](const std::string& endpoint, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    bool poll = r.target.find("wait=true") != std::string::npos;
    if (endpoint == "http://a:1") {
      if (!poll && gets_on_a++ == 0) return answer(200, event_body("get", "/k", "v", 5), 10);  // the snapshot
      TransportResult quiet;  // a quiet poll, or a quorum read that never completes
      quiet.status = S::kTimeout;
      quiet.maybe_sent = true;
      quiet.response.status = 200;
      quiet.response.headers["x-etcd-index"] = "10";
      return quiet;
    }
    if (!poll) return answer(200, event_body("get", "/k", "v", 5), 12);
    polls_on_b.push_back(wait_index_of(r));
    if (polls_on_b.size() == 1) return answer(200, event_body("set", "/k", "new", 12), 12);
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  Recorder got;
  Watcher watcher(client, "/k", got.callback(),
                  WatcherOptions{.poll_timeout = std::chrono::milliseconds(0), .confirm_after = std::chrono::milliseconds(1)});
  BOOST_REQUIRE(got.wait_for(2));
  auto events = got.snapshot();
  BOOST_TEST((events[1].type == WatchEvent::Type::kEvent));
  BOOST_TEST(events[1].response.node.value.value_or("") == "new");
  BOOST_TEST(watcher.confirm_count() >= 1u);
  std::lock_guard lock(mu);
  BOOST_REQUIRE(!polls_on_b.empty());
  BOOST_TEST(polls_on_b[0] == "11");  // the index the watch had reached on a: nothing skipped
  BOOST_TEST(gets_on_a >= 2);         // the confirming quorum read was tried on a first
}

// With confirm_after = 0 the check is off: quiet polls continue on the same member, no quorum
// read is sent after the snapshot.
BOOST_AUTO_TEST_CASE(quiet_watch__confirm_after_zero_sends_no_quorum_read) {
  std::mutex mu;
  int gets = 0, polls = 0;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (r.target.find("wait=true") == std::string::npos) {
      ++gets;
      return answer(200, event_body("get", "/k", "v", 5), 10);
    }
    if (++polls >= 50) return std::nullopt;
    TransportResult quiet;
    quiet.status = S::kTimeout;
    quiet.maybe_sent = true;
    return quiet;
  });
  Client client(FakeTransport::options(fake));
  Recorder got;
  Watcher watcher(client, "/k", got.callback(),
                  WatcherOptions{.poll_timeout = std::chrono::milliseconds(0), .confirm_after = std::chrono::milliseconds(0)});
  BOOST_REQUIRE(fake->wait_held(1));
  std::lock_guard lock(mu);
  BOOST_TEST(gets == 1);
  BOOST_TEST(polls == 50);
  BOOST_TEST(watcher.confirm_count() == 0u);
}

// The callback blocks on the first delivery while the server has 200 events ready. Must hold:
// at most max_queued events wait (polling pauses instead of queueing more); once the callback
// returns, every event arrives in order, each exactly once.
BOOST_AUTO_TEST_CASE(slow_callback__bounded_queue_pauses_polling_then_delivers_all_in_order) {
  constexpr std::uint64_t kEvents = 200;
  constexpr std::size_t kQueue = 4;
  std::mutex mu;
  std::uint64_t answered = 0;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.target.find("wait=true") == std::string::npos) return answer(200, event_body("get", "/k", "v", 5), 10);
    std::uint64_t index = std::stoull(wait_index_of(r));
    if (index > 10 + kEvents) return std::nullopt;
    std::lock_guard lock(mu);
    answered = std::max(answered, index - 10);
    return answer(200, event_body("set", "/k", std::to_string(index), index), index);
  });
  Client client(FakeTransport::options(fake));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Recorder got;
  std::atomic<bool> first{true};
  auto record = got.callback();
  Watcher watcher(client, "/k", [&](const WatchEvent& e) {
    if (first.exchange(false)) released.wait();
    record(e);
  }, WatcherOptions{.max_queued = kQueue});
  for (int i = 0; i < 500 && watcher.pause_count() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_REQUIRE(watcher.pause_count() >= 1u);
  {
    std::lock_guard lock(mu);
    BOOST_TEST(answered <= kQueue + 1);  // the queue plus nothing more (the snapshot is in the callback)
  }
  release.set_value();
  BOOST_REQUIRE(fake->wait_held(1));
  BOOST_REQUIRE(got.wait_for(kEvents + 1));
  auto events = got.snapshot();
  BOOST_REQUIRE_EQUAL(events.size(), kEvents + 1);
  for (std::uint64_t i = 1; i <= kEvents; ++i) BOOST_TEST(events[i].response.node.modified_index == 10 + i);
  BOOST_TEST(watcher.resync_count() == 0u);
}

// A callback so slow that the watcher falls out of the server's history while paused: the
// server has 10 events ready, then answers 401 for anything older than index 1000. Must hold:
// memory stays bounded (at most max_queued events wait) and the watcher catches up with one
// resync whose changes carry only the latest value (the values in between are coalesced away).
BOOST_AUTO_TEST_CASE(slow_callback__falling_out_of_history_resyncs_with_the_latest_value) {
  constexpr std::size_t kQueue = 2;
  std::atomic<bool> history_lost{false};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (!r.long_poll) {
      if (!history_lost) return answer(200, event_body("get", "/k", "v0", 5), 10);
      return answer(200, event_body("get", "/k", "v-latest", 1500), 2000);
    }
    std::uint64_t index = std::stoull(wait_index_of(r));
    if (history_lost) {
      if (index < 1000) {
        return answer(400, error_body(401, "The event in requested index is outdated and cleared", "cleared", 2000), 2000);
      }
      return std::nullopt;
    }
    if (index > 20) return std::nullopt;
    return answer(200, event_body("set", "/k", "v" + std::to_string(index), index), index);
  });
  Client client(FakeTransport::options(fake));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Recorder got;
  std::atomic<bool> first{true};
  auto record = got.callback();
  Watcher watcher(client, "/k", [&](const WatchEvent& e) {
    if (first.exchange(false)) released.wait();
    record(e);
  }, WatcherOptions{.max_queued = kQueue});
  for (int i = 0; i < 500 && watcher.pause_count() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_REQUIRE(watcher.pause_count() >= 1u);
  history_lost = true;  // meanwhile, 2000 writes elsewhere pushed index 11.. out of the history
  release.set_value();
  for (int i = 0; i < 500 && watcher.resync_count() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_REQUIRE(watcher.resync_count() == 1u);
  BOOST_REQUIRE(fake->wait_held(1));
  auto all = got.snapshot();
  for (int i = 0; i < 500 && (all.empty() || all.back().type != WatchEvent::Type::kResync); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    all = got.snapshot();
  }
  BOOST_REQUIRE(!all.empty());
  BOOST_TEST(all.size() <= kQueue + 2);  // snapshot, the queued events, the resync
  const WatchEvent& resync = all.back();
  BOOST_REQUIRE((resync.type == WatchEvent::Type::kResync));
  BOOST_REQUIRE_EQUAL(resync.changes.size(), 1u);
  BOOST_TEST(resync.changes[0].node.value.value_or("") == "v-latest");
  BOOST_TEST(resync.next_index == 2001u);
}

BOOST_AUTO_TEST_SUITE_END()
