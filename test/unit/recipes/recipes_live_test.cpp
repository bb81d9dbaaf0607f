// Recipes against a live server, coordd and real etcd 3.4 (v2): registrations vanish on
// destruction and after SIGKILL within their TTL and the load-balancer table follows; a lock
// whose key is taken away turns owns_lock() false and fires on_lost; a lock turns false by the
// local deadline while the server is frozen; a queued waiter whose own entry vanishes gives up;
// what a sequenced lock's key() and owner_token() return while queued, held, released and lost;
// the config watcher sees every change in order across a member restart; election hand-over;
// a dead worker's task is reported lost after its TTL; election listeners with requeue; the
// double barrier, the read-write lock and the work queue; a watcher leaves a member cut off
// from the quorum.
#include <boost/test/unit_test.hpp>

#include <boost/asio/use_future.hpp>

#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "coord/coord.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/recipes/recipe_test_util.hpp"

using namespace coord;
using namespace coord::recipes;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::example_binary;
using coord::test::unique_name;
using Clock = std::chrono::steady_clock;

BOOST_AUTO_TEST_SUITE(recipes_live)

COORD_BOTH_SERVERS_CASE(registration__vanishes_on_destructor_and_table_follows, 1) {
  Client client(coord::test::options_for(cluster));
  std::string service = unique_name("svc");
  ServiceRegistry registry(client, service);
  LoadBalancerTable table(client, service);
  {
    auto a = registry.register_instance("a", "127.0.0.1:1", 2s, {{"weight", 2}});
    auto b = registry.register_instance("b", "127.0.0.1:2", 2s);
    BOOST_REQUIRE(table.wait_until([](const auto& l) { return l.size() == 2; }, 5s));
    BOOST_TEST(registry.instances().size() == 2u);
    std::map<std::string, int> picks;
    for (int i = 0; i < 6; ++i) ++picks[table.next()->id];
    BOOST_TEST(picks["a"] == 4);
    BOOST_TEST(picks["b"] == 2);
    // Outlive several TTLs: the shared refresher keeps both alive.
    auto keep_until = Clock::now() + 4500ms;
    while (Clock::now() < keep_until) {
      BOOST_REQUIRE(a.alive());
      std::this_thread::sleep_for(100ms);  // observation interval, not synchronization
    }
    BOOST_TEST(registry.instances().size() == 2u);
  }
  BOOST_TEST(table.wait_until([](const auto& l) { return l.empty(); }, 3s));
  BOOST_TEST(registry.instances().empty());
}

COORD_BOTH_SERVERS_CASE(registration__of_sigkilled_process_vanishes_within_ttl, 1) {
  Client client(coord::test::options_for(cluster));
  std::string service = unique_name("svc-kill");
  LoadBalancerTable table(client, service);
  coord::test::TempDir dir;
  coord::test::Process p({example_binary("service_registration"), "--endpoints", cluster.client_url(0), "--service",
                          service, "--id", "victim", "--ttl", "2"},
                         dir.file("reg.log"));
  BOOST_REQUIRE_MESSAGE(table.wait_until([](const auto& l) { return l.size() == 1; }, 10s), p.log_tail());
  p.kill();
  auto killed = Clock::now();
  BOOST_REQUIRE(table.wait_until([](const auto& l) { return l.empty(); }, 5s));
  auto gone_after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed);
  BOOST_TEST_MESSAGE("registration gone " << gone_after.count() << " ms after SIGKILL (TTL 2 s)");
  BOOST_TEST((gone_after <= 3500ms));  // TTL + leader expiry granularity
}

COORD_BOTH_SERVERS_CASE(distributed_lock__owns_lock_turns_false_when_key_is_taken_away, 1) {
  Client client(coord::test::options_for(cluster));
  std::promise<std::string> lost;
  DistributedLock lock(client, unique_name("lk"), {.ttl = 2s, .on_lost = [&](const std::string& why) { lost.set_value(why); }});
  std::unique_lock guard(lock);
  BOOST_TEST(lock.owns_lock());
  BOOST_TEST(lock.fencing_token() > 0u);
  client.remove(lock.key());  // someone (an operator) deletes the lock key
  auto f = lost.get_future();
  BOOST_REQUIRE(f.wait_for(3s) == std::future_status::ready);
  BOOST_TEST(!lock.owns_lock());
  guard.unlock();
  BOOST_TEST(lock.lost_before_release());
}

COORD_BOTH_SERVERS_CASE(distributed_lock__try_lock_for_times_out_then_fencing_grows, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("lk2");
  DistributedLock a(client, name, {.ttl = 2s});
  DistributedLock b(client, name, {.ttl = 2s});
  BOOST_REQUIRE(a.try_lock());
  BOOST_TEST(!b.try_lock());
  auto t0 = Clock::now();
  BOOST_TEST(!b.try_lock_for(300ms));
  BOOST_TEST((Clock::now() - t0 >= 300ms));
  auto first = a.fencing_token();
  auto waiter = std::async(std::launch::async, [&] { return b.try_lock_for(5s); });
  a.unlock();
  BOOST_REQUIRE(waiter.get());
  BOOST_TEST(b.fencing_token() > first);
  b.unlock();
}

COORD_BOTH_SERVERS_CASE(sequenced_lock__waiter_whose_entry_vanishes_gives_up, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("q");
  SequencedLock holder(client, name, {.ttl = 2s});
  SequencedLock waiter(client, name, {.ttl = 2s});
  holder.lock();
  auto result = std::async(std::launch::async, [&]() -> int {
    try {
      waiter.lock();
      return 0;
    } catch (const RecipeError& e) {
      return e.kind() == RecipeError::Kind::kSessionExpired ? 1 : 2;
    }
  });
  std::string dir = holder.directory();
  std::string waiter_key;
  BOOST_REQUIRE(eventually([&] {
    auto r = client.get(dir, GetOptions{.recursive = true, .sorted = true});
    if (r.node.nodes.size() < 2) return false;
    waiter_key = r.node.nodes[1].key;
    return true;
  }, 5s));
  client.remove(waiter_key);  // the waiter's entry disappears (as if it had expired)
  BOOST_REQUIRE(result.wait_for(5s) == std::future_status::ready);
  BOOST_TEST(result.get() == 1);
  BOOST_TEST(holder.owns_lock());
  holder.unlock();
}

// SequencedLock::owner_token() is one unique value per lock object, the value of each of its
// entries; key() names our entry from the moment it is queued, and after a release or a loss it
// still names the last entry (then gone from the server). Loss: an operator removes the entry.
COORD_BOTH_SERVERS_CASE(sequenced_lock__key_and_owner_token_name_our_entry_while_queued_held_released_and_lost, 1) {
  Client client(coord::test::options_for(cluster));
  auto entry = [&](const std::string& key) -> std::optional<Node> {
    try {
      return client.get(key, GetOptions{.quorum = true}).node;
    } catch (const Error& e) {
      if (e.error_code() != errc::kKeyNotFound) throw;
      return std::nullopt;
    }
  };
  std::string name = unique_name("qk");
  std::promise<void> lost;
  SequencedLock a(client, name, {.ttl = 2s, .on_lost = [&](const std::string&) { lost.set_value(); }});
  SequencedLock b(client, name, {.ttl = 2s});
  BOOST_TEST(a.key().empty());  // before the first acquisition
  BOOST_TEST(!a.owner_token().empty());
  BOOST_TEST(a.owner_token() != b.owner_token());
  const std::string token = a.owner_token();

  a.lock();
  const std::string first = a.key();
  BOOST_TEST(first.starts_with(a.directory() + "/"));
  auto held = entry(first);
  BOOST_REQUIRE(held.has_value());
  BOOST_TEST(held->value.value_or("") == token);
  BOOST_TEST(held->created_index == a.fencing_token());

  auto b_acquired = std::async(std::launch::async, [&] { return b.try_lock_for(10s); });
  BOOST_REQUIRE(eventually([&] { return !b.key().empty(); }, 5s));  // queued behind a, not granted
  BOOST_TEST(entry(b.key()).value_or(Node{}).value.value_or("") == b.owner_token());
  BOOST_TEST(!b.owns_lock());
  a.unlock();
  BOOST_REQUIRE(b_acquired.get());
  BOOST_TEST(a.key() == first);  // released: still the last entry, which is gone
  BOOST_TEST(!entry(first).has_value());
  BOOST_TEST(!a.lost_before_release());
  b.unlock();

  a.lock();  // a second acquisition: a new entry with the same token
  const std::string second = a.key();
  BOOST_TEST(second != first);
  BOOST_TEST(a.fencing_token() > held->created_index);
  BOOST_TEST(entry(second).value_or(Node{}).value.value_or("") == token);
  client.remove(second);  // lost: an operator deletes our entry
  BOOST_REQUIRE(lost.get_future().wait_for(3s) == std::future_status::ready);
  BOOST_TEST(!a.owns_lock());
  BOOST_TEST(a.key() == second);
  BOOST_TEST(a.owner_token() == token);
  a.unlock();
  BOOST_TEST(a.lost_before_release());
  BOOST_TEST(a.key() == second);
}

COORD_BOTH_SERVERS_CASE(leader_election__hands_over_on_resign_and_observer_follows, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("el");
  LeaderElection a(client, name, {.ttl = 2s});
  LeaderElection b(client, name, {.ttl = 2s});
  std::mutex mu;
  std::vector<std::string> seen;
  auto observation = a.observe([&](const std::optional<LeaderInfo>& l) {
    std::lock_guard lock(mu);
    seen.push_back(l ? l->value : "-");
  });
  a.campaign("alpha");
  BOOST_TEST(a.is_leader());
  auto b_wins = std::async(std::launch::async, [&] { return b.campaign_for("beta", 10s); });
  BOOST_REQUIRE(eventually([&] { return client.get(a.directory(), GetOptions{.recursive = true}).node.nodes.size() == 2; }, 5s));
  BOOST_TEST(a.leader()->value == "alpha");
  a.resign();
  BOOST_REQUIRE(b_wins.get());
  BOOST_TEST(b.term() > a.term());
  BOOST_TEST(eventually([&] {
    std::lock_guard lock(mu);
    return !seen.empty() && seen.back() == "beta";
  }, 5s));
  std::lock_guard lock(mu);
  BOOST_TEST((std::find(seen.begin(), seen.end(), "alpha") != seen.end()));
}

// Records one election's listener calls ("elected" / "revoked:<reason>") with their terms.
struct ElectionLog {
  std::mutex mu;
  std::vector<std::string> calls;
  std::vector<std::uint64_t> terms;

  ElectionOptions options(bool requeue) {
    ElectionOptions o{.ttl = 2s};
    o.auto_requeue = requeue;
    o.on_elected = [this](std::uint64_t term) {
      std::lock_guard lock(mu);
      calls.push_back("elected");
      terms.push_back(term);
    };
    o.on_revoked = [this](const std::string& reason) {
      std::lock_guard lock(mu);
      calls.push_back(reason == "stopped" ? "stopped" : "lost");
    };
    return o;
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mu);
    return calls;
  }
};

// Listeners with auto_requeue: a (started first) is elected; its entry is deleted (as by an
// expiry), so it hears on_revoked, requeues behind b, and b is elected; b stops (on_revoked
// "stopped") and a is elected again with a larger term. Must hold: each listener sees exactly
// that sequence, and terms increase.
COORD_BOTH_SERVERS_CASE(leader_election__listeners_report_each_leadership_and_requeue_after_a_loss, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("el-listen");
  ElectionLog a_log, b_log;
  LeaderElection a(client, name, a_log.options(true));
  LeaderElection b(client, name, b_log.options(false));
  a.start("alpha");
  BOOST_REQUIRE(eventually([&] { return a_log.seen().size() == 1; }, 5s));
  BOOST_CHECK_THROW(a.start("again"), RecipeError);
  BOOST_CHECK_THROW(a.campaign("again"), RecipeError);
  BOOST_TEST(a.is_leader());
  b.start("beta");
  BOOST_REQUIRE(eventually([&] { return client.get(a.directory(), GetOptions{.recursive = true}).node.nodes.size() == 2; }, 5s));
  client.remove(a.leader()->key);
  BOOST_REQUIRE(eventually([&] { return b_log.seen().size() == 1 && a_log.seen().size() >= 2; }, 5s));
  BOOST_TEST(a_log.seen()[1] == "lost");
  BOOST_TEST(b.is_leader());
  BOOST_TEST(!a.is_leader());
  BOOST_REQUIRE(eventually([&] { return client.get(a.directory(), GetOptions{.recursive = true}).node.nodes.size() == 2; }, 5s));
  b.stop();
  BOOST_TEST((b_log.seen() == std::vector<std::string>{"elected", "stopped"}), boost::test_tools::per_element());
  BOOST_REQUIRE(eventually([&] { return a_log.seen().size() == 3; }, 5s));
  BOOST_TEST(a.is_leader());
  a.stop();
  BOOST_TEST((a_log.seen() == std::vector<std::string>{"elected", "lost", "elected", "stopped"}), boost::test_tools::per_element());
  BOOST_TEST(a_log.terms.at(0) < b_log.terms.at(0));
  BOOST_TEST(b_log.terms.at(0) < a_log.terms.at(1));
  BOOST_TEST(client.get(a.directory(), GetOptions{.recursive = true}).node.nodes.empty());
}

// Without auto_requeue a lost leadership ends the campaign: on_revoked, then nothing more.
COORD_BOTH_SERVERS_CASE(leader_election__listener_without_requeue_stops_after_a_loss, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("el-norequeue");
  ElectionLog log;
  LeaderElection a(client, name, log.options(false));
  a.start("alpha");
  BOOST_REQUIRE(eventually([&] { return log.seen().size() == 1; }, 5s));
  client.remove(a.leader()->key);
  BOOST_REQUIRE(eventually([&] { return log.seen().size() == 2; }, 5s));
  BOOST_TEST(log.seen()[1] == "lost");
  BOOST_TEST(!a.leader().has_value());  // no new candidacy was queued
  a.stop();
  BOOST_TEST(log.seen().size() == 2u);
}

// Three participants. Must hold: enter() returns true only once all three entered (false while
// two are in), leave() only once all three left (false while one is still in).
COORD_BOTH_SERVERS_CASE(double_barrier__enter_waits_for_all_and_leave_until_all_left, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("dbar");
  DoubleBarrier a(client, name, 3, {.ttl = 5s});
  DoubleBarrier b(client, name, 3, {.ttl = 5s});
  DoubleBarrier c(client, name, 3, {.ttl = 5s});
  BOOST_CHECK_THROW(a.leave(100ms), RecipeError);  // not entered yet
  BOOST_TEST(!a.enter(200ms));
  auto b_in = std::async(std::launch::async, [&] { return b.enter(10s); });
  BOOST_REQUIRE(eventually([&] {
    return client.get("/coord/double-barriers/" + name + "/entries", GetOptions{.recursive = true}).node.nodes.size() == 2;
  }, 5s));
  BOOST_TEST(!a.enter(200ms));  // two distinct participants are not three
  BOOST_TEST(c.enter(10s));
  BOOST_TEST(b_in.get());
  BOOST_TEST(a.enter(5s));
  auto a_out = std::async(std::launch::async, [&] { return a.leave(10s); });
  BOOST_TEST(!b.leave(200ms));  // c is still in
  BOOST_TEST(c.leave(10s));
  BOOST_TEST(a_out.get());
  BOOST_TEST(b.leave(5s));
  DoubleBarrier::reset(client, name);
}

// Two readers share; a writer queued behind them waits; a reader queued after the waiting writer
// waits for it (FIFO, writers do not starve). Must hold: the writer is granted only after both
// readers released, the late reader only after the writer released, and tokens follow the queue.
COORD_BOTH_SERVERS_CASE(read_write_lock__readers_share_writer_excludes_in_queue_order, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("rw");
  ReadWriteLock r1(client, name, {.ttl = 5s});
  ReadWriteLock r2(client, name, {.ttl = 5s});
  ReadWriteLock w(client, name, {.ttl = 5s});
  ReadWriteLock r3(client, name, {.ttl = 5s});
  auto queued = [&](std::size_t n) {
    return eventually([&] { return client.get("/coord/rwlocks/" + name, GetOptions{.recursive = true}).node.nodes.size() == n; }, 5s);
  };
  r1.read_lock().lock();
  BOOST_TEST(r2.read_lock().try_lock_for(5s));  // readers share
  BOOST_TEST(r1.read_lock().owns_lock());
  BOOST_TEST(!w.write_lock().try_lock());        // a writer does not pass readers
  auto writer = std::async(std::launch::async, [&] { return w.write_lock().try_lock_for(20s); });
  BOOST_REQUIRE(queued(3));
  auto late_reader = std::async(std::launch::async, [&] { return r3.read_lock().try_lock_for(20s); });
  BOOST_REQUIRE(queued(4));
  BOOST_TEST((late_reader.wait_for(300ms) == std::future_status::timeout));  // behind the writer
  r1.read_lock().unlock();
  BOOST_TEST((writer.wait_for(300ms) == std::future_status::timeout));  // r2 still reads
  r2.read_lock().unlock();
  BOOST_REQUIRE(writer.get());
  BOOST_TEST(w.write_lock().owns_lock());
  BOOST_TEST((late_reader.wait_for(300ms) == std::future_status::timeout));  // the writer holds
  std::uint64_t writer_token = w.write_lock().fencing_token();
  BOOST_TEST(writer_token > r2.read_lock().fencing_token());
  w.write_lock().unlock();
  BOOST_REQUIRE(late_reader.get());
  BOOST_TEST(r3.read_lock().fencing_token() > writer_token);
  r3.read_lock().unlock();
  BOOST_REQUIRE(queued(0));
}

// Items are claimed in queue order, one consumer per item; ack removes, release gives back, and
// an idle consumer waits for the next push. Must hold: no item is handed to two consumers at
// once; a released item is the next one claimed; acknowledged items are gone.
COORD_BOTH_SERVERS_CASE(work_queue__claims_in_order_ack_removes_release_returns, 1) {
  Client client(coord::test::options_for(cluster));
  WorkQueue queue(client, unique_name("wq"), {.ttl = 5s});
  BOOST_TEST(!queue.claim(100ms).has_value());
  queue.push("one");
  queue.push("two");
  queue.push("three");
  BOOST_TEST(queue.size() == 3u);
  auto a = queue.claim(5s);
  auto b = queue.claim(5s);
  BOOST_REQUIRE(a.has_value());
  BOOST_REQUIRE(b.has_value());
  BOOST_TEST(a->payload() == "one");
  BOOST_TEST(b->payload() == "two");
  BOOST_TEST(a->holds());
  BOOST_TEST(b->fencing_token() > a->fencing_token());
  a->ack();
  BOOST_CHECK_THROW(a->ack(), RecipeError);
  BOOST_TEST(queue.size() == 2u);
  b->release();
  auto c = queue.claim(5s);
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->payload() == "two");  // the released item comes back first
  auto d = queue.claim(5s);
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->payload() == "three");
  auto waiting = std::async(std::launch::async, [&] { return queue.claim(10s); });
  BOOST_TEST((waiting.wait_for(300ms) == std::future_status::timeout));  // everything is claimed
  queue.push("four");
  auto e = waiting.get();
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(e->payload() == "four");
  c->ack();
  d->ack();
  e->ack();
  BOOST_TEST(queue.size() == 0u);
}

COORD_BOTH_SERVERS_CASE(task_monitor__sees_progress_completion_and_a_dead_worker_as_lost, 1) {
  Client client(coord::test::options_for(cluster));
  std::string job = unique_name("job");
  TaskMonitor monitor(client, job);
  {
    TaskProgress t(client, job, "ok", {.ttl = 2s, .min_interval = 0ms});
    t.report(0.5, "half");
    BOOST_REQUIRE(monitor.wait_until([](const auto& m) { return m.count("ok") && m.at("ok").fraction == 0.5; }, 5s));
    t.complete("done");
  }
  BOOST_REQUIRE(monitor.wait_until([](const auto& m) { return m.at("ok").state == TaskState::kSucceeded; }, 5s));
  coord::test::TempDir dir;
  coord::test::Process worker({example_binary("task_progress"), "work", "dying", "--endpoints", cluster.client_url(0),
                               "--job", job, "--ttl", "2", "--steps", "1000", "--step-ms", "50"},
                              dir.file("worker.log"));
  BOOST_REQUIRE_MESSAGE(monitor.wait_until([](const auto& m) { return m.count("dying") && m.at("dying").fraction > 0; }, 10s),
                        worker.log_tail());
  worker.kill();
  auto killed = Clock::now();
  BOOST_REQUIRE(monitor.wait_until([](const auto& m) { return m.at("dying").state == TaskState::kLost; }, 5s));
  BOOST_TEST_MESSAGE("task lost " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count()
                                  << " ms after SIGKILL (TTL 2 s)");
  BOOST_TEST((monitor.tasks().at("ok").state == TaskState::kSucceeded));
}

COORD_BOTH_SERVERS_CASE(semaphore_and_barrier__limit_holders_and_release_together, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("sem");
  Semaphore s1(client, name, 2, {.ttl = 2s}), s2(client, name, 2, {.ttl = 2s}), s3(client, name, 2, {.ttl = 2s});
  BOOST_TEST(s1.try_acquire());
  BOOST_TEST(s2.try_acquire());
  BOOST_TEST(!s3.try_acquire());
  auto third = std::async(std::launch::async, [&] { return s3.try_acquire_for(5s); });
  s1.release();
  BOOST_TEST(third.get());
  std::string bname = unique_name("bar");
  Barrier b1(client, bname, 2, {.ttl = 2s}), b2(client, bname, 2, {.ttl = 2s});
  BOOST_TEST(!b1.arrive_and_wait(200ms));
  auto other = std::async(std::launch::async, [&] { return b2.arrive_and_wait(5s); });
  BOOST_TEST(b1.arrive_and_wait(5s));
  BOOST_TEST(other.get());
}

// A watcher of a quiet directory while 2000 writes happen elsewhere (twice the server's
// 1000-event history). Must hold: its polls keep up through the index of each quiet poll's
// answer head, so the next change is delivered as an event — no 401, no resync.
COORD_BOTH_SERVERS_CASE(watcher__quiet_watcher_stays_inside_the_history_window, 1) {
  Client client(coord::test::options_for(cluster));
  std::string quiet = "/quiet/" + unique_name("dir");
  client.mkdir(quiet);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<WatchEvent> events;
  Watcher watcher(client, quiet, [&](const WatchEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
    cv.notify_all();
  }, WatcherOptions{.recursive = true, .poll_timeout = 200ms});
  {
    std::unique_lock lock(mu);
    BOOST_REQUIRE(cv.wait_for(lock, 5s, [&] { return !events.empty(); }));  // the snapshot
  }
  std::string busy = "/busy/" + unique_name("dir");
  std::uint64_t last = 0;
  // Batches of 500, half the history: a quiet poll must register (and advance the index)
  // between two batches for the watch to stay inside the window.
  for (int batch = 0; batch < 4; ++batch) {
    std::vector<std::future<Response>> writes;
    for (int i = 0; i < 500; ++i) {
      writes.push_back(client.async_set(busy + "/" + std::to_string(i), "x", {}, boost::asio::use_future));
    }
    for (auto& w : writes) last = std::max(last, w.get().node.modified_index);
    // Wait until a quiet poll registered after this batch ended (its head carries the index).
    BOOST_REQUIRE(eventually([&] { return watcher.next_index() > last; }, 5s));
  }
  client.set(quiet + "/k", "changed");
  std::unique_lock lock(mu);
  BOOST_REQUIRE(cv.wait_for(lock, 5s, [&] { return events.size() >= 2; }));
  BOOST_TEST((events[1].type == WatchEvent::Type::kEvent));
  BOOST_TEST(events[1].response.node.key == quiet + "/k");
  BOOST_TEST(watcher.resync_count() == 0u);
}

// Moves `key` from `from` to `to` exactly once, also while the cluster elects a leader: a write
// the client could not confirm (kOutcomeUnknown) is sent again as the same compare-and-swap, so
// a late first copy and the second cannot both apply; a 101 means one of ours did when the key
// holds `to`.
void advance_exactly_once(Client& writer, const std::string& key, const std::string& from, const std::string& to) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      writer.compare_and_swap(key, to, from, std::nullopt);
      return;
    } catch (const TransportError& e) {
      if (e.kind() != TransportError::Kind::kOutcomeUnknown && e.kind() != TransportError::Kind::kTimeout) throw;
    } catch (const Error& e) {
      if (e.error_code() != errc::kCompareFailed) throw;
      BOOST_REQUIRE(writer.get(key, GetOptions{.quorum = true}).node.value.value_or("") == to);
      return;
    }
  }
  BOOST_FAIL("could not move " << key << " from " << from << " to " << to);
}

// A private cluster per server kind: member 0 (the client's first endpoint) is killed and
// restarted; with 3 members, writes continue while it is down (the client and the watch fail over).
// The writes from the kill on advance the value with advance_exactly_once: a publish (a plain set)
// during the election may end with an unknown outcome, and sending it again could apply it twice
// (ConfigWatcher::publish says so).
void config_across_restart(coord::test::ServerKind kind, int size) {
  coord::test::ServerCluster cluster(kind, size);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  Client client(coord::test::options_for(cluster));
  std::mutex mu;
  std::vector<std::string> seen;
  ConfigWatcher watcher(client, "/cfg/app", [&](const ConfigChange& c, const auto&) {
    if (c.kind == ConfigChange::Kind::kSet && c.name == "n") {
      std::lock_guard lock(mu);
      seen.push_back(*c.value);
    }
  });
  BOOST_REQUIRE(watcher.wait_ready(5s));
  for (int i = 1; i <= 10; ++i) ConfigWatcher::publish(client, "/cfg/app", "n", std::to_string(i));
  BOOST_REQUIRE(eventually([&] { return watcher.get_as<int>("n") == 10; }, 5s));
  cluster.kill(0);
  int next = 11;
  if (size > 1) {
    for (; next <= 15; ++next) advance_exactly_once(client, "/cfg/app/n", std::to_string(next - 1), std::to_string(next));
  }
  BOOST_REQUIRE_MESSAGE(cluster.restart(0), cluster.last_error());
  for (; next <= 20; ++next) advance_exactly_once(client, "/cfg/app/n", std::to_string(next - 1), std::to_string(next));
  BOOST_REQUIRE(eventually([&] { return watcher.get_as<int>("n") == 20; }, 10s));
  std::lock_guard lock(mu);
  std::vector<std::string> expected;
  for (int i = 1; i <= 20; ++i) expected.push_back(std::to_string(i));
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(config_watcher__sees_every_change_in_order_across_restart__coordd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kCoordd})) {
  config_across_restart(coord::test::ServerKind::kCoordd, 1);
}

BOOST_AUTO_TEST_CASE(config_watcher__sees_every_change_in_order_across_member_restart_3_members__coordd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kCoordd})) {
  config_across_restart(coord::test::ServerKind::kCoordd, 3);
}

BOOST_AUTO_TEST_CASE(config_watcher__sees_every_change_in_order_across_restart__etcd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kEtcd})) {
  config_across_restart(coord::test::ServerKind::kEtcd, 1);
}

BOOST_AUTO_TEST_CASE(config_watcher__sees_every_change_in_order_across_member_restart_3_members__etcd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kEtcd})) {
  config_across_restart(coord::test::ServerKind::kEtcd, 3);
}

// The server freezes (SIGSTOP): a held lock turns owns_lock() false by its local deadline
// (last refresh + TTL - margin) with on_lost fired, while the load-balancer table keeps serving
// its last good list.
void frozen_server(coord::test::ServerKind kind) {
  coord::test::ServerCluster cluster(kind, 1);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  ClientOptions o = coord::test::options_for(cluster);
  o.request_timeout = 1s;
  Client client(o);
  client.set("/coord/services/fs/a", R"({"id":"a","endpoint":"127.0.0.1:1"})");
  client.set("/coord/services/fs/b", R"({"id":"b","endpoint":"127.0.0.1:2"})");
  LoadBalancerTable table(client, "fs");
  BOOST_REQUIRE(table.wait_until([](const auto& l) { return l.size() == 2; }, 5s));
  std::promise<void> lost;
  DistributedLock lock(client, "deadline", {.ttl = 2s, .on_lost = [&](const std::string&) { lost.set_value(); }});
  lock.lock();
  auto acquired = Clock::now();
  cluster.freeze(0);
  auto f = lost.get_future();
  bool fired = f.wait_for(3s) == std::future_status::ready;
  auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - acquired);
  BOOST_TEST_MESSAGE(coord::test::to_string(kind) << ": lease declared lost " << after.count() << " ms after acquisition (TTL 2 s)");
  BOOST_TEST(fired);
  BOOST_TEST(!lock.owns_lock());
  BOOST_TEST((after <= 2000ms));  // never later than the TTL itself
  BOOST_TEST(table.instances().size() == 2u);
  BOOST_TEST(table.next().has_value());
  cluster.thaw(0);
  lock.unlock();
}

BOOST_AUTO_TEST_CASE(frozen_server__lock_lost_by_local_deadline_table_serves_last_list__coordd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kCoordd})) {
  frozen_server(coord::test::ServerKind::kCoordd);
}

BOOST_AUTO_TEST_CASE(frozen_server__lock_lost_by_local_deadline_table_serves_last_list__etcd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kEtcd})) {
  frozen_server(coord::test::ServerKind::kEtcd);
}

// Three members; the watcher's client talks to member 0 first. Fault 1: members 1 and 2 freeze,
// so member 0 is cut off from any quorum but still answers the watch's long polls (quietly).
// Must hold: within confirm_after plus a read's retry budget the watcher reports an error (its
// confirming quorum read failed) instead of trusting member 0. Fault 2: member 0 freezes too and
// 1 and 2 thaw, so the majority {1, 2} elects a leader and takes writes. Must hold: the watcher
// moves to the majority and delivers every one of those writes, in order, without a resync.
void watcher_leaves_member_cut_from_quorum(coord::test::ServerKind kind) {
  coord::test::ServerCluster cluster(kind, 3);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  ClientOptions o = coord::test::options_for(cluster);
  o.request_timeout = 5s;
  Client client(o);
  std::string key = "/stale/" + unique_name("k");
  client.set(key, "0");
  std::mutex mu;
  std::vector<std::string> values;
  int errors = 0;
  WatcherOptions w{.confirm_after = 1s};
  w.on_error = [&](std::exception_ptr) {
    std::lock_guard lock(mu);
    ++errors;
  };
  Watcher watcher(client, key, [&](const WatchEvent& e) {
    std::lock_guard lock(mu);
    if (e.type == WatchEvent::Type::kEvent) values.push_back(e.response.node.value.value_or(""));
  }, w);
  BOOST_REQUIRE(eventually([&] { return watcher.confirm_count() >= 1; }, 10s));  // confirms while healthy
  cluster.freeze(1);
  cluster.freeze(2);
  BOOST_TEST_REQUIRE(eventually([&] { std::lock_guard lock(mu); return errors > 0; }, 20s),
                     "the watcher on a member without quorum reported no failed confirmation");
  cluster.freeze(0);
  cluster.thaw(1);
  cluster.thaw(2);
  ClientOptions majority = o;
  majority.endpoints = {cluster.client_url(1), cluster.client_url(2)};
  majority.request_timeout = 20s;
  Client writer(majority);
  for (int i = 1; i <= 5; ++i) advance_exactly_once(writer, key, std::to_string(i - 1), std::to_string(i));
  bool seen = eventually([&] { std::lock_guard lock(mu); return !values.empty() && values.back() == "5"; }, 30s);
  cluster.thaw(0);
  BOOST_TEST_REQUIRE(seen, "the watcher did not deliver the writes made on the majority");
  std::lock_guard lock(mu);
  BOOST_TEST(values == (std::vector<std::string>{"1", "2", "3", "4", "5"}), boost::test_tools::per_element());
  BOOST_TEST(watcher.resync_count() == 0u);
}

BOOST_AUTO_TEST_CASE(watcher__leaves_member_cut_from_quorum_and_sees_majority_writes__coordd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kCoordd})) {
  watcher_leaves_member_cut_from_quorum(coord::test::ServerKind::kCoordd);
}

BOOST_AUTO_TEST_CASE(watcher__leaves_member_cut_from_quorum_and_sees_majority_writes__etcd,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{coord::test::ServerKind::kEtcd})) {
  watcher_leaves_member_cut_from_quorum(coord::test::ServerKind::kEtcd);
}

BOOST_AUTO_TEST_SUITE_END()
