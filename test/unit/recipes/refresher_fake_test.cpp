// The shared Refresher and the queue recipes against the client's fake transport: what goes on
// the wire (owner-checked refresh at a third of the TTL; a try_lock that is not first withdraws
// its entry) and how losses are declared (server says 100; local deadline while requests hang);
// a lock whose create had an unknown outcome adopts its own key instead of waiting on it; a
// work-queue claim whose create did not land reads the queue again; a barrier whose watch is
// answered 400 (watcher cleared) reads again.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "coord/coord.hpp"
#include "test/support/client/fake_transport.hpp"
#include "test/support/recipes/recipe_test_util.hpp"

using namespace coord;
using namespace coord::recipes;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::FakeTransport;
using Clock = std::chrono::steady_clock;

namespace {

bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The value of form parameter `name` in a request's body (percent-decoded); nullopt if absent.
std::optional<std::string> param(const HttpRequest& r, const std::string& name) {
  std::string body = "&" + r.body;
  auto pos = body.find("&" + name + "=");
  if (pos == std::string::npos) return std::nullopt;
  pos += name.size() + 2;
  std::string raw = body.substr(pos, body.find('&', pos) - pos), out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size()) {
      out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += raw[i] == '+' ? ' ' : raw[i];
    }
  }
  return out;
}

// One key as the server holds it, for the value-change tests: create, owner-checked refresh
// and compare-and-swap are answered from `value`; hold_* hold the matching requests.
struct OneKeyServer {
  std::mutex mu;
  std::optional<std::string> value;   // guarded by mu
  std::uint64_t index = 10;           // guarded by mu
  bool hold_refresh = false;          // guarded by mu
  bool cas_reply_lost = false;        // guarded by mu: apply the CAS, then fail the connection
  bool cas_held = false;              // guarded by mu: apply the CAS, hold its answer
  int refreshes_ok = 0;               // guarded by mu
  std::string last_ok_refresh_value;  // guarded by mu

  std::optional<TransportResult> respond(const HttpRequest& r) {
    std::lock_guard lock(mu);
    ++index;
    if (r.method == "GET") return coord::test::answer(401, coord::test::error_body(110, "unauthorized", "", index), index);
    if (param(r, "refresh")) {
      if (hold_refresh) return std::nullopt;
      if (param(r, "prevValue") != value) return coord::test::answer(412, coord::test::error_body(101, "Compare failed", "", index), index);
      ++refreshes_ok;
      last_ok_refresh_value = *value;
      return coord::test::answer(200, coord::test::event_body("update", "/k", "v", index), index);
    }
    if (param(r, "prevExist") == std::string("false")) {
      value = param(r, "value");
      return coord::test::answer(201, coord::test::event_body("create", "/k", "v", index), index);
    }
    if (param(r, "prevValue")) {
      if (param(r, "prevValue") != value) return coord::test::answer(412, coord::test::error_body(101, "Compare failed", "", index), index);
      value = param(r, "value");
      if (cas_reply_lost) return coord::test::failure(TransportResult::Status::kIoError, true);
      if (cas_held) return std::nullopt;
      return coord::test::answer(200, coord::test::event_body("compareAndSwap", "/k", "v", index), index);
    }
    return coord::test::answer(200, coord::test::event_body("compareAndDelete", "/k", "", index), index);
  }
};

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

// One on_lost callback blocks (user code can). Must hold meanwhile: other entries are still
// refreshed on time, and a lease whose refreshes hang is still marked lost at its deadline —
// the scheduling thread never waits for user code.
BOOST_AUTO_TEST_CASE(refresher__a_blocking_on_lost_delays_no_refresh_and_no_deadline) {
  std::atomic<int> ok_refreshes{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (has(r.target, "/gone")) return coord::test::answer(404, coord::test::error_body(100, "Key not found", "/gone", 12));
    if (has(r.target, "/hangs")) return std::nullopt;
    ++ok_refreshes;
    return coord::test::answer(200, coord::test::event_body("update", "/ok", "tok", 11));
  });
  Refresher refresher;  // declared first: it must outlive the client's in-flight requests
  Client client(FakeTransport::options(fake));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> blocking;
  auto now = Clock::now();
  auto gone = refresher.add(client, Refresher::Entry{"/gone", 3s, "tok", now - 1s, [&](const std::string&) {
                                                       blocking.set_value();
                                                       released.wait();
                                                     }});
  BOOST_REQUIRE(blocking.get_future().wait_for(3s) == std::future_status::ready);
  auto hangs = std::make_shared<Lease>(2s, Clock::now());
  auto ok = std::make_shared<Lease>(1s, Clock::now());
  refresher.add(client, Refresher::Entry{"/hangs", 2s, "tok", hangs->last_renewal(), nullptr, hangs});
  refresher.add(client, Refresher::Entry{"/ok", 1s, "tok", ok->last_renewal(), nullptr, ok});
  BOOST_TEST(eventually([&] { return hangs->lost(); }, 3s));
  BOOST_TEST(!hangs->held());
  BOOST_TEST(!hangs->stop_token().stop_requested());  // the public stop waits its turn behind the callback
  BOOST_TEST(ok_refreshes.load() >= 3);  // ~1.5 s at a third of 1 s
  BOOST_TEST(ok->held());
  release.set_value();
  BOOST_TEST(eventually([&] { return hangs->stop_token().stop_requested(); }, 3s));
  refresher.remove(gone);
}

// An on_lost callback never returns (it waits for something the remover holds). Must hold:
// remove() of its entry gives up waiting after the refresher's remove wait instead of for ever.
BOOST_AUTO_TEST_CASE(refresher__remove_waits_for_a_running_callback_only_so_long) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) {
    return coord::test::answer(404, coord::test::error_body(100, "Key not found", "/k", 12));
  });
  constexpr auto kRemoveWait = 500ms;
  Refresher refresher(kRemoveWait);  // declared first: it must outlive the client's in-flight requests
  Client client(FakeTransport::options(fake));
  std::promise<void> release, running;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> returning{false};
  auto id = refresher.add(client, Refresher::Entry{"/k", 3s, "tok", Clock::now() - 1s, [&](const std::string&) {
                                                     running.set_value();
                                                     released.wait();
                                                     returning = true;
                                                   }});
  BOOST_REQUIRE(running.get_future().wait_for(3s) == std::future_status::ready);
  auto start = Clock::now();
  refresher.remove(id);
  auto waited = Clock::now() - start;
  BOOST_TEST((waited >= kRemoveWait - 100ms));
  BOOST_TEST((waited < kRemoveWait + 2s));
  // Join the abandoned callback before its captures (this frame's promises) go: release it, see
  // it return, and let remove() wait for the refresher to finish that call.
  release.set_value();
  BOOST_REQUIRE(eventually([&] { return returning.load(); }, 5s));
  refresher.remove(id);
}

// A refresh carrying the old value reaches the server after our compare-and-swap (101) and its
// answer comes back before the CAS's. Must hold: the registration stays alive (not lost).
BOOST_AUTO_TEST_CASE(registration__refresh_racing_a_metadata_change_is_not_a_loss) {
  OneKeyServer server;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) { return server.respond(r); });
  Client client(FakeTransport::options(fake));
  std::atomic<int> lost{0};
  ServiceRegistry registry(client, "svc");
  Registration reg = registry.register_instance("x", "127.0.0.1:1", 3s, {}, [&](const std::string&) { ++lost; });
  { std::lock_guard lock(server.mu); server.hold_refresh = true; server.cas_held = true; }
  BOOST_REQUIRE(fake->wait_held(1, 3s));  // a refresh with the old value is on its way
  auto update = std::async(std::launch::async, [&] { reg.update_metadata({{"zone", "b"}}); });
  BOOST_REQUIRE(fake->wait_held(2, 3s));  // the CAS applied; its answer is on its way
  BOOST_REQUIRE(fake->complete_oldest(coord::test::answer(412, coord::test::error_body(101, "Compare failed", "", 30), 30)));
  { std::lock_guard lock(server.mu); server.hold_refresh = false; }
  BOOST_REQUIRE(fake->complete_oldest(coord::test::answer(200, coord::test::event_body("compareAndSwap", "/k", "v", 29), 29)));
  update.get();
  BOOST_TEST(eventually([&] {
    std::lock_guard lock(server.mu);
    return server.refreshes_ok >= 1;
  }, 3s));
  BOOST_TEST(reg.alive());
  BOOST_TEST(lost.load() == 0);
  std::lock_guard lock(server.mu);
  BOOST_TEST(has(server.last_ok_refresh_value, "zone"));  // refreshes now carry the new value
}

// A metadata change applies but its reply is lost and the resolution read fails: the outcome is
// unknown to the client. Must hold: later refreshes find the value the key holds (the new one)
// instead of failing with 101 for ever, and the registration stays alive.
BOOST_AUTO_TEST_CASE(registration__change_with_unknown_outcome_that_applied_keeps_the_lease) {
  OneKeyServer server;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) { return server.respond(r); });
  Client client(FakeTransport::options(fake));
  std::atomic<int> lost{0};
  ServiceRegistry registry(client, "svc");
  Registration reg = registry.register_instance("x", "127.0.0.1:1", 2s, {}, [&](const std::string&) { ++lost; });
  { std::lock_guard lock(server.mu); server.cas_reply_lost = true; }
  BOOST_CHECK_THROW(reg.update_metadata({{"zone", "b"}}), TransportError);
  BOOST_TEST(eventually([&] {
    std::lock_guard lock(server.mu);
    return server.refreshes_ok >= 2;
  }, 3s));
  BOOST_TEST(reg.alive());
  BOOST_TEST(lost.load() == 0);
  { std::lock_guard lock(server.mu); server.cas_reply_lost = false; }
  reg.update_metadata({{"zone", "c"}});  // the next change starts from the value the key holds
  BOOST_TEST(reg.alive());
}

// The lock's create gets no reply and the quorum read does not find it (outcome unknown); the
// next round's adoption check finds nothing yet either, but by the next create the first one has
// landed: 105. Must hold: the lock checks once more whether that key holds its own token and
// adopts it, instead of waiting for its own orphan to be released (here: never).
BOOST_AUTO_TEST_CASE(distributed_lock__105_after_an_unknown_create_is_checked_as_our_own) {
  std::mutex mu;
  int creates = 0, refreshes = 0, watches = 0;  // guarded by mu
  const std::string key = "/coord/locks/orphan";
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (r.method == "GET" && has(r.target, "wait=true")) {
      ++watches;  // someone else's holder keeps refreshing: never a release
      return coord::test::answer(200, coord::test::event_body("update", key, "other", 30 + watches), 30 + watches);
    }
    if (r.method == "GET") return coord::test::answer(404, coord::test::error_body(100, "Key not found", key, 11), 11);
    if (param(r, "refresh")) {
      if (++refreshes == 1) return coord::test::answer(404, coord::test::error_body(100, "Key not found", key, 12), 12);
      return coord::test::answer(200, coord::test::event_body("update", key, "tok", 13), 13);
    }
    if (param(r, "prevExist") == std::string("false")) {
      if (++creates == 1) return coord::test::failure(TransportResult::Status::kIoError, true);
      return coord::test::answer(412, coord::test::error_body(105, "Key already exists", key, 13), 13);
    }
    return coord::test::answer(200, coord::test::event_body("compareAndDelete", key, "", 40), 40);
  });
  Client client(FakeTransport::options(fake));
  DistributedLock lock(client, "orphan", {.ttl = 5s});
  BOOST_TEST(lock.try_lock_for(2s));
  BOOST_TEST(lock.owns_lock());
  {
    std::lock_guard guard(mu);
    BOOST_TEST(creates == 2);
    BOOST_TEST(refreshes >= 2);
    BOOST_TEST(watches == 0);
  }
  lock.unlock();
}

// The work queue "q" of the claim cases below: one item (index 9) and, when `claim_token` is
// set, a claim on it with that value (index 10), as the queue's recursive GET answers.
namespace work_queue_q {
const std::string kDir = "/coord/workqueues/q";
const std::string kItem = kDir + "/items/00000000000000000009";
const std::string kClaim = kDir + "/claims/00000000000000000009";

TransportResult listing(const std::optional<std::string>& claim_token) {
  std::string nodes = R"({"key":")" + kDir + R"(/items","dir":true,"nodes":[{"key":")" + kItem +
                      R"(","value":"job","modifiedIndex":9,"createdIndex":9}],"modifiedIndex":8,"createdIndex":8})";
  if (claim_token) {
    nodes += R"(,{"key":")" + kDir + R"(/claims","dir":true,"nodes":[{"key":")" + kClaim + R"(","value":")" + *claim_token +
             R"(","modifiedIndex":10,"createdIndex":10}],"modifiedIndex":10,"createdIndex":10})";
  }
  return coord::test::answer(200, R"({"action":"get","node":{"key":")" + kDir + R"(","dir":true,"nodes":[)" + nodes +
                                      R"(],"modifiedIndex":8,"createdIndex":8}})",
                             claim_token ? 10 : 9);
}

// Answers what every claim case answers alike (watch, item check, claim lookups); nullopt for
// the requests the case decides (queue listing, create, refresh, delete).
std::optional<std::optional<TransportResult>> common(const HttpRequest& r, int& watches) {
  if (r.method == "GET" && has(r.target, "wait=true")) {
    ++watches;
    return std::optional<TransportResult>();  // a quiet queue: no change ever answers the watch
  }
  if (r.method == "GET" && has(r.target, "/claims/")) return coord::test::answer(404, coord::test::error_body(100, "Key not found", kClaim, 9), 9);
  if (r.method == "GET" && has(r.target, "/items/")) return coord::test::answer(200, coord::test::event_body("get", kItem, "job", 9), 9);
  return std::nullopt;
}

// claim(3s) on another thread, bounded: a claim stuck on the held watch fails the case instead
// of hanging it (the watch is then ended so that the thread can finish).
std::optional<WorkItem> claim_bounded(WorkQueue& queue, FakeTransport& fake) {
  auto claiming = std::async(std::launch::async, [&] { return queue.claim(3s); });
  bool returned = claiming.wait_for(5s) == std::future_status::ready;
  if (!returned) {
    while (fake.expire_oldest()) {
    }
  }
  BOOST_REQUIRE_MESSAGE(returned, "claim() did not return by its deadline");
  return claiming.get();
}
}  // namespace work_queue_q

// A claim's create gets no answer and is not there when looked for (its outcome stays unknown),
// while nothing else happens in the queue. Must hold: the consumer reads the queue again and
// claims the still free item, instead of watching for a change that never comes.
BOOST_AUTO_TEST_CASE(work_queue__claim_whose_create_did_not_land_reads_again_not_waits_for_a_change) {
  using namespace work_queue_q;
  std::mutex mu;
  int creates = 0, watches = 0;  // guarded by mu
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (auto answered = common(r, watches)) return *answered;
    if (r.method == "GET") return listing(std::nullopt);
    if (param(r, "refresh")) {
      if (creates < 2) return coord::test::answer(404, coord::test::error_body(100, "Key not found", kClaim, 9), 9);
      return coord::test::answer(200, coord::test::event_body("update", kClaim, "tok", 11), 11);
    }
    if (param(r, "prevExist") == std::string("false")) {
      if (++creates == 1) return coord::test::failure(TransportResult::Status::kIoError, true);
      return coord::test::answer(201, coord::test::event_body("create", kClaim, "tok", 10), 10);
    }
    return coord::test::answer(200, coord::test::event_body("compareAndDelete", kClaim, "", 12), 12);
  });
  Client client(FakeTransport::options(fake));
  WorkQueue queue(client, "q", {.ttl = 30s});
  auto claimed = claim_bounded(queue, *fake);
  BOOST_REQUIRE(claimed.has_value());
  BOOST_TEST(claimed->id() == "00000000000000000009");
  BOOST_TEST(claimed->fencing_token() == 10u);
  std::lock_guard lock(mu);
  BOOST_TEST(creates == 2);
  BOOST_TEST(watches == 0);
}

// The same create lands only after it was looked for: the next read of the queue shows the item
// claimed with our token. Must hold: the claim is adopted (it is ours), never created again and
// never waited on as another consumer's.
BOOST_AUTO_TEST_CASE(work_queue__claim_whose_create_landed_late_is_adopted) {
  using namespace work_queue_q;
  std::mutex mu;
  int creates = 0, watches = 0, refreshes = 0;  // guarded by mu
  std::optional<std::string> landed;            // guarded by mu: the first create's value, once it applied
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (auto answered = common(r, watches)) return *answered;
    if (r.method == "GET") return listing(landed);
    if (param(r, "refresh")) {
      if (++refreshes == 1) {  // the create's adoption looks before it landed
        landed = param(r, "prevValue");
        return coord::test::answer(404, coord::test::error_body(100, "Key not found", kClaim, 9), 9);
      }
      if (param(r, "prevValue") != landed) return coord::test::answer(412, coord::test::error_body(101, "Compare failed", kClaim, 10), 10);
      return coord::test::answer(200, coord::test::event_body("update", kClaim, *landed, 10 + refreshes), 10 + refreshes);
    }
    if (param(r, "prevExist") == std::string("false")) {
      ++creates;
      return coord::test::failure(TransportResult::Status::kIoError, true);
    }
    return coord::test::answer(200, coord::test::event_body("compareAndDelete", kClaim, "", 20), 20);
  });
  Client client(FakeTransport::options(fake));
  WorkQueue queue(client, "q", {.ttl = 30s});
  auto claimed = claim_bounded(queue, *fake);
  BOOST_REQUIRE(claimed.has_value());
  BOOST_TEST(claimed->id() == "00000000000000000009");
  BOOST_TEST(claimed->holds());
  std::lock_guard lock(mu);
  BOOST_TEST(creates == 1);
  BOOST_TEST(refreshes >= 2);
  BOOST_TEST(watches == 0);
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

// The barrier's watch is answered with error 400 (etcd's "watcher is cleared", after a member
// recovered from a snapshot) while one of two participants has arrived. Must hold: the barrier
// reads the directory again instead of letting the error escape, sees the second participant,
// opens (creates `ready`) and returns true.
BOOST_AUTO_TEST_CASE(barrier__watch_answered_400_reads_again_and_opens) {
  const std::string dir = "/coord/barriers/b";
  std::mutex mu;
  bool cleared = false;  // guarded by mu: the watch was answered 400
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (r.method == "POST") return coord::test::answer(201, coord::test::event_body("create", dir + "/entries/00000000000000000021", "p1", 21), 21);
    if (r.method == "GET" && has(r.target, "wait=true")) {
      if (cleared) return std::nullopt;  // held: no further watch answer is needed
      cleared = true;
      return coord::test::answer(400, coord::test::error_body(400, "watcher is cleared due to etcd recovery", "", 30), 30);
    }
    if (r.method == "GET") {
      std::string entries = R"({"key":")" + dir + R"(/entries/00000000000000000021","value":"p1","modifiedIndex":21,"createdIndex":21})";
      if (cleared) entries += R"(,{"key":")" + dir + R"(/entries/00000000000000000031","value":"p2","modifiedIndex":31,"createdIndex":31})";
      return coord::test::answer(200, R"({"action":"get","node":{"key":")" + dir + R"(","dir":true,"nodes":[{"key":")" + dir +
                                          R"(/entries","dir":true,"nodes":[)" + entries +
                                          R"(],"modifiedIndex":20,"createdIndex":20}],"modifiedIndex":20,"createdIndex":20}})",
                                 cleared ? 31 : 21);
    }
    if (r.method == "PUT" && has(r.target, "/ready")) return coord::test::answer(201, coord::test::event_body("create", dir + "/ready", "1", 32), 32);
    return coord::test::answer(200, coord::test::event_body("compareAndSwap", dir + "/entries/00000000000000000021", "p1", 33), 33);
  });
  Client client(FakeTransport::options(fake));
  Barrier barrier(client, "b", 2, {.ttl = 30s});
  bool opened = false;
  BOOST_REQUIRE_NO_THROW(opened = barrier.arrive_and_wait(5s));
  BOOST_TEST(opened);
  {
    std::lock_guard lock(mu);
    BOOST_TEST(cleared);
  }
  bool created_ready = false;
  for (const auto& s : fake->sent()) created_ready = created_ready || (s.request.method == "PUT" && has(s.request.target, dir + "/ready"));
  BOOST_TEST(created_ready);
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


// The callback destroys its own ConfigWatcher at the first change of a resync batch of three.
// Must hold: no further change is delivered (the remaining ones belonged to a dead watcher).
BOOST_AUTO_TEST_CASE(config_watcher__callback_may_destroy_its_watcher) {
  std::mutex mu;
  int polls = 0;
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    std::lock_guard lock(mu);
    if (has(r.target, "wait=true")) {
      if (polls++ == 0) return coord::test::answer(400, coord::test::error_body(401, "The event in requested index is outdated and cleared", "", 2000), 2000);
      return std::nullopt;
    }
    std::string nodes = polls == 0 ? R"({"key":"/cfg/a","value":"1","modifiedIndex":5,"createdIndex":5})"
                                   : R"({"key":"/cfg/a","value":"2","modifiedIndex":1500,"createdIndex":5},)"
                                     R"({"key":"/cfg/b","value":"2","modifiedIndex":1600,"createdIndex":1600},)"
                                     R"({"key":"/cfg/c","value":"2","modifiedIndex":1700,"createdIndex":1700})";
    return coord::test::answer(200, R"({"action":"get","node":{"key":"/cfg","dir":true,"nodes":[)" + nodes +
                                        R"(],"modifiedIndex":4,"createdIndex":4}})", polls == 0 ? 10 : 2000);
  });
  Client client(FakeTransport::options(fake));
  std::atomic<bool> destroyed{false};
  std::atomic<int> after{0};
  std::promise<void> destroyed_now, called_after;
  std::unique_ptr<ConfigWatcher> watcher;
  std::mutex watcher_mu;
  std::unique_lock hold(watcher_mu);  // the callback waits until `watcher` is assigned
  watcher = std::make_unique<ConfigWatcher>(client, "/cfg", [&](const ConfigChange& c, const auto&) {
    if (destroyed) {
      if (after++ == 0) called_after.set_value();
      return;
    }
    if (!c.resync) return;
    {
      std::lock_guard lock(watcher_mu);  // released before the test may end and free watcher_mu
      destroyed = true;
      watcher.reset();  // from inside its own callback
    }
    destroyed_now.set_value();
  });
  hold.unlock();
  BOOST_REQUIRE(destroyed_now.get_future().wait_for(5s) == std::future_status::ready);
  // The two other changes of the batch would follow at once; give them a bounded chance.
  BOOST_TEST((called_after.get_future().wait_for(500ms) == std::future_status::timeout));
  BOOST_TEST(after.load() == 0);
}

// The predicate of LoadBalancerTable::wait_until calls the table itself. Must hold: it runs
// without the table's lock (no self-deadlock) and the wait succeeds.
BOOST_AUTO_TEST_CASE(load_balancer_table__wait_until_predicate_may_call_the_table) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (has(r.target, "wait=true")) return std::nullopt;
    return coord::test::answer(200, R"({"action":"get","node":{"key":"/coord/services/s","dir":true,"nodes":[)"
                                    R"({"key":"/coord/services/s/a","value":"127.0.0.1:1","modifiedIndex":5,"createdIndex":5}],)"
                                    R"("modifiedIndex":4,"createdIndex":4}})", 10);
  });
  Client client(FakeTransport::options(fake));
  LoadBalancerTable table(client, "s");
  auto result = std::make_shared<std::promise<bool>>();
  std::thread([&table, result] {
    result->set_value(table.wait_until([&](const auto& list) { return list.size() == 1 && table.instances().size() == 1; }, 5s));
  }).detach();  // detached: a self-deadlock must fail the test, not hang it
  auto f = result->get_future();
  BOOST_REQUIRE(f.wait_for(6s) == std::future_status::ready);
  BOOST_TEST(f.get());
}


// Local outlier ejection: a reported instance is skipped by next() until its ejection ends; when
// too many are ejected (panic threshold 0.5) all are used again.
BOOST_AUTO_TEST_CASE(load_balancer_table__report_failure_ejects_until_the_panic_threshold) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (has(r.target, "wait=true")) return std::nullopt;
    return coord::test::answer(200, R"({"action":"get","node":{"key":"/coord/services/s","dir":true,"nodes":[)"
                                    R"({"key":"/coord/services/s/a","value":"127.0.0.1:1","modifiedIndex":5,"createdIndex":5},)"
                                    R"({"key":"/coord/services/s/b","value":"127.0.0.1:2","modifiedIndex":6,"createdIndex":6},)"
                                    R"({"key":"/coord/services/s/c","value":"127.0.0.1:3","modifiedIndex":7,"createdIndex":7},)"
                                    R"({"key":"/coord/services/s/d","value":"127.0.0.1:4","modifiedIndex":8,"createdIndex":8}],)"
                                    R"("modifiedIndex":4,"createdIndex":4}})", 10);
  });
  Client client(FakeTransport::options(fake));
  LoadBalancerTable table(client, "s", {.ejection_time = 300ms});
  BOOST_REQUIRE(table.wait_until([](const auto& l) { return l.size() == 4; }, 5s));
  auto picks = [&] {
    std::set<std::string> ids;
    for (int i = 0; i < 8; ++i) ids.insert(table.next()->id);
    return ids;
  };
  table.report_failure("a");
  table.report_failure("b");  // 2 of 4 healthy: not below the threshold
  BOOST_TEST((picks() == std::set<std::string>{"c", "d"}));
  BOOST_TEST(table.ejected().size() == 2u);
  table.report_failure("c");  // 1 of 4 healthy: panic, everyone is used
  BOOST_TEST(picks().size() == 4u);
  BOOST_TEST(eventually([&] { return table.ejected().empty(); }, 3s));  // ejections end
  BOOST_TEST(picks().size() == 4u);
}


// The predicate of TaskMonitor::wait_until calls the monitor itself: it runs without the
// monitor's lock (no self-deadlock) and the wait succeeds.
BOOST_AUTO_TEST_CASE(task_monitor__wait_until_predicate_may_call_the_monitor) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (has(r.target, "wait=true")) return std::nullopt;
    return coord::test::answer(200, R"({"action":"get","node":{"key":"/coord/jobs/j","dir":true,"nodes":[)"
                                    R"({"key":"/coord/jobs/j/t","value":"{\"state\":\"running\",\"fraction\":0.5,\"message\":\"\",\"worker\":\"w\",\"seq\":1}","modifiedIndex":5,"createdIndex":5}],)"
                                    R"("modifiedIndex":4,"createdIndex":4}})", 10);
  });
  Client client(FakeTransport::options(fake));
  TaskMonitor monitor(client, "j");
  auto result = std::make_shared<std::promise<bool>>();
  std::thread([&monitor, result] {
    result->set_value(monitor.wait_until([&](const auto& m) { return m.size() == 1 && monitor.tasks().size() == 1; }, 5s));
  }).detach();  // detached: a self-deadlock must fail the test, not hang it
  auto f = result->get_future();
  BOOST_REQUIRE(f.wait_for(6s) == std::future_status::ready);
  BOOST_TEST(f.get());
}

BOOST_AUTO_TEST_SUITE_END()
