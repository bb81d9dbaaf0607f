// Recipes under partitions, against coordd and real etcd 3.4 (v2), with a TcpRelay between the
// holder's client and the server. Fault: the holder's traffic is frozen (connections stay open,
// nothing passes) past its TTL while a second client, connected directly, competes. Must hold:
// the holder's ownership query (owns_lock, is_leader, holds, alive) turns false before the other
// client acquires, its stop_token is requested, and after the thaw a fenced write from the old
// holder (carrying its fencing token) is rejected because the new holder's larger token is in
// place. One scenario (frozen_holder_case) serves every recipe with ownership: both locks, both
// sides of the read-write lock, elections (and their listeners), the semaphore, registrations,
// task progress and work-queue claims; the paused-process twin is recipes_paused_test.cpp. Also: a create
// whose reply was lost is adopted, not waited on as someone else's lock; coordctl lock/elect
// terminate their command when the lease is lost; a frozen double-barrier participant expires;
// a load-balancer table does not believe a resync that shows most of its instances gone.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <limits>
#include <charconv>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/use_future.hpp>

#include <csignal>
#include <fstream>

#include <sys/wait.h>

#include "coord/coord.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/recipes/recipe_test_util.hpp"
#include "test/support/net/tcp_relay.hpp"
#include "test/support/recipes/contenders.hpp"

using namespace coord;
using namespace coord::recipes;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::example_binary;
using coord::test::unique_name;
using coord::test::fenced_write;
using coord::test::FirstFalse;
using Clock = std::chrono::steady_clock;

namespace {

// Reads the pid a child wrote into `file` (0 while the file is missing or incomplete).
pid_t read_pid(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line) || line.empty()) return 0;
  return static_cast<pid_t>(std::stol(line));
}


// The holder's client talks through the relay; a frozen request fails after attempt_timeout.
ClientOptions via_relay(const coord::test::TcpRelay& relay) {
  ClientOptions o;
  o.endpoints = {relay.url()};
  o.request_timeout = 2s;
  o.attempt_timeout = 500ms;
  o.retry.seed = 7;
  return o;
}

struct Guard {
  std::function<bool()> holds;
  std::function<std::stop_token()> stop;
  std::function<std::uint64_t()> fence;
};

// The common scenario: `a` (via the relay) holds; the relay freezes; `acquire_b` (direct) blocks
// until it holds and returns its fence. Checks the claims of the file comment.
void frozen_holder_case(coord::test::TcpRelay& relay, Client& a_client, Client& b_client, const Guard& a,
                        const std::function<std::uint64_t()>& acquire_b, const std::string& what) {
  std::string resource = "/fenced/" + unique_name(what);
  BOOST_REQUIRE(a.holds());
  BOOST_REQUIRE(fenced_write(a_client, resource, a.fence(), "a-before"));
  relay.freeze();
  auto frozen_at = Clock::now();
  FirstFalse a_false(a.holds);
  std::uint64_t b_fence = acquire_b();
  auto b_acquired = Clock::now();
  auto a_lost = a_false.at();
  BOOST_TEST_MESSAGE(what << ": holder stopped believing it holds "
                          << (a_lost ? std::chrono::duration_cast<std::chrono::milliseconds>(*a_lost - frozen_at).count() : -1)
                          << " ms after the freeze; the other client acquired "
                          << std::chrono::duration_cast<std::chrono::milliseconds>(b_acquired - frozen_at).count() << " ms after it");
  BOOST_REQUIRE_MESSAGE(a_lost.has_value(), what << ": the frozen holder still believes it holds after another acquired");
  BOOST_TEST((*a_lost < b_acquired));
  BOOST_TEST(!a.holds());
  BOOST_TEST(eventually([&] { return a.stop().stop_requested(); }, 3s));
  BOOST_TEST(b_fence > a.fence());
  BOOST_TEST(fenced_write(b_client, resource, b_fence, "b"));
  relay.thaw();
  BOOST_TEST(!fenced_write(a_client, resource, a.fence(), "a-after"));  // the old holder is fenced off
  BOOST_TEST(b_client.get(resource).node.value.value_or("") == std::to_string(b_fence) + ":b");
}

// The common scenario for the recipe `kind` (test/support/recipes/contenders.hpp): the holder
// talks through a relay, the other contender directly.
void frozen_holder_scenario(coord::test::ServerCluster& cluster, const std::string& kind) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client b_client(coord::test::options_for(cluster));
  std::string name = unique_name("frozen-" + kind);
  auto a = coord::test::make_contender(kind, a_client, name, true);
  auto b = coord::test::make_contender(kind, b_client, name, false);
  BOOST_REQUIRE(a->acquire(5s));
  frozen_holder_case(relay, a_client, b_client,
                     {[&] { return a->holds(); }, [&] { return a->stop_token(); }, [&] { return a->fence(); }},
                     [&] {
                       BOOST_REQUIRE(b->acquire(10s));
                       return b->fence();
                     },
                     kind);
  BOOST_TEST(b->holds());
}

// `coordctl lock|elect ... -- CHILD` through the relay; the child writes its pid into `pid_file`
// and sleeps. Fault: the relay freezes. Must hold: coordctl terminates the child (SIGTERM) once
// the lease is lost locally, before a direct client acquires (`acquire_b`), and exits with
// 128 + SIGTERM.
void coordctl_kills_child(coord::test::TcpRelay& relay, std::vector<std::string> command,
                          const std::function<void()>& acquire_b) {
  coord::test::TempDir dir("coordctl-child");
  std::string pid_file = dir.file("child.pid");
  std::vector<std::string> argv{example_binary("coordctl"), "--endpoints", relay.url()};
  argv.insert(argv.end(), command.begin(), command.end());
  argv.insert(argv.end(), {"--", "/bin/sh", "-c", "echo $$ > " + pid_file + ".tmp && mv " + pid_file + ".tmp " + pid_file + " && exec sleep 60"});
  coord::test::Process coordctl(argv, dir.file("coordctl.log"));
  BOOST_REQUIRE_MESSAGE(eventually([&] { return read_pid(pid_file) != 0; }, 10s), coordctl.log_tail());
  pid_t child = read_pid(pid_file);
  relay.freeze();
  FirstFalse child_gone([child] { return ::kill(child, 0) == 0; });
  acquire_b();
  auto b_acquired = Clock::now();
  auto gone = child_gone.at();
  BOOST_REQUIRE_MESSAGE(gone.has_value(), "the child still runs after another client acquired: " << coordctl.log_tail());
  BOOST_TEST((*gone < b_acquired));
  auto status = coordctl.wait_exit(10s);
  relay.thaw();
  BOOST_REQUIRE_MESSAGE(status.has_value(), coordctl.log_tail());
  BOOST_TEST(WIFEXITED(*status));
  BOOST_TEST(WEXITSTATUS(*status) == 128 + SIGTERM);
}

// The ids in a table's list.
std::set<std::string> ids_of(const std::vector<ServiceInstance>& list) {
  std::set<std::string> out;
  for (const auto& i : list) out.insert(i.id);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(recipes_faults)

COORD_BOTH_SERVERS_CASE(distributed_lock__frozen_holder_stops_owning_before_another_acquires_and_is_fenced, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client b_client(coord::test::options_for(cluster));
  std::string name = unique_name("lock");
  std::atomic<int> lost_calls{0};
  DistributedLock a(a_client, name, {.ttl = 2s, .on_lost = [&](const std::string&) { ++lost_calls; }});
  DistributedLock b(b_client, name, {.ttl = 2s});
  a.lock();
  frozen_holder_case(relay, a_client, b_client,
                     {[&] { return a.owns_lock(); }, [&] { return a.stop_token(); }, [&] { return a.fencing_token(); }},
                     [&] {
                       BOOST_REQUIRE(b.try_lock_for(10s));
                       return b.fencing_token();
                     },
                     "lock");
  BOOST_TEST(eventually([&] { return lost_calls.load() == 1; }, 3s));
  a.unlock();
  BOOST_TEST(a.lost_before_release());
  BOOST_TEST(b.owns_lock());
}

COORD_BOTH_SERVERS_CASE(sequenced_lock__frozen_holder_stops_owning_before_the_next_in_line_acquires, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client b_client(coord::test::options_for(cluster));
  std::string name = unique_name("qlock");
  SequencedLock a(a_client, name, {.ttl = 2s});
  SequencedLock b(b_client, name, {.ttl = 2s});
  a.lock();
  frozen_holder_case(relay, a_client, b_client,
                     {[&] { return a.owns_lock(); }, [&] { return a.stop_token(); }, [&] { return a.fencing_token(); }},
                     [&] {
                       BOOST_REQUIRE(b.try_lock_for(10s));
                       return b.fencing_token();
                     },
                     "sequenced lock");
  a.unlock();
  BOOST_TEST(a.lost_before_release());
}

// The recipes whose case has nothing beyond the common scenario.
COORD_BOTH_SERVERS_CASE(leader_election__frozen_leader_stops_leading_before_the_next_candidate_wins, 1) {
  frozen_holder_scenario(cluster, "election");
}

COORD_BOTH_SERVERS_CASE(semaphore__frozen_holder_stops_holding_before_its_permit_is_granted_again, 1) {
  frozen_holder_scenario(cluster, "semaphore");
}

COORD_BOTH_SERVERS_CASE(registration__frozen_instance_stops_being_alive_before_its_id_is_taken_over, 1) {
  frozen_holder_scenario(cluster, "registration");
}

COORD_BOTH_SERVERS_CASE(task_progress__frozen_worker_stops_being_alive_before_its_task_is_taken_over, 1) {
  frozen_holder_scenario(cluster, "task");
}

COORD_BOTH_SERVERS_CASE(read_write_lock__frozen_reader_loses_before_a_writer_enters_and_is_fenced, 1) {
  frozen_holder_scenario(cluster, "read_lock");
}

// Fault: the holder's create reaches the server but every reply is held (the write happened,
// the client cannot tell), until the thaw. Must hold: the lock is then adopted at once — the key
// holds our token — with the fencing token of that create, instead of waiting for our own orphan
// key to expire.
COORD_BOTH_SERVERS_CASE(distributed_lock__create_with_lost_reply_is_adopted_not_waited_on, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client direct(coord::test::options_for(cluster));
  std::string name = unique_name("orphan");
  DistributedLock a(a_client, name, {.ttl = 10s});
  relay.freeze_replies();
  auto acquired = std::async(std::launch::async, [&] { return a.try_lock_for(20s); });
  std::uint64_t created = 0;
  BOOST_REQUIRE(eventually([&] {
    try {
      created = direct.get(a.key(), GetOptions{.quorum = true}).node.created_index;
      return true;
    } catch (const Error&) {
      return false;
    }
  }, 5s));
  // Let the client give up on the create and its resolution read, then let replies through.
  BOOST_REQUIRE(eventually([&] { return relay.accepted() >= 3; }, 10s));
  relay.thaw();
  auto thawed = Clock::now();
  BOOST_REQUIRE(acquired.wait_for(5s) == std::future_status::ready);
  BOOST_REQUIRE(acquired.get());
  BOOST_TEST_MESSAGE("adopted " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - thawed).count()
                                << " ms after the thaw (TTL 10 s)");
  BOOST_TEST(a.fencing_token() == created);
  BOOST_TEST(a.owns_lock());
  a.unlock();
  BOOST_TEST(!a.lost_before_release());
}

// Fault: the holder's POST reaches the server but every reply is held until the thaw. Must
// hold: the permit is granted on the entry that POST created (adopted: it holds our unique
// value), and the directory holds no second entry of ours.
COORD_BOTH_SERVERS_CASE(semaphore__post_with_lost_reply_is_adopted_not_posted_twice, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client direct(coord::test::options_for(cluster));
  std::string name = unique_name("sem-orphan");
  Semaphore a(a_client, name, 1, {.ttl = 10s});
  std::string dir = "/coord/semaphores/" + name;
  relay.freeze_replies();
  auto acquired = std::async(std::launch::async, [&] { return a.try_acquire_for(20s); });
  std::uint64_t created = 0;
  BOOST_REQUIRE(eventually([&] {
    try {
      auto nodes = direct.get(dir, GetOptions{.recursive = true, .quorum = true}).node.nodes;
      if (nodes.empty()) return false;
      created = nodes.front().created_index;
      return true;
    } catch (const Error&) {
      return false;
    }
  }, 5s));
  BOOST_REQUIRE(eventually([&] { return relay.accepted() >= 3; }, 10s));  // the POST and its resolution gave up
  relay.thaw();
  BOOST_REQUIRE(acquired.wait_for(10s) == std::future_status::ready);
  BOOST_REQUIRE(acquired.get());
  BOOST_TEST(a.fencing_token() == created);
  BOOST_TEST(direct.get(dir, GetOptions{.recursive = true, .quorum = true}).node.nodes.size() == 1u);
  BOOST_TEST(a.holds());
}

// A participant's entry appears twice (a late copy of an unresolved POST holds the same unique
// value). Must hold: the barrier counts participants, not entries, and stays closed until a
// second participant arrives.
COORD_BOTH_SERVERS_CASE(barrier__counts_participants_not_duplicate_entries, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("bar");
  Barrier a(client, name, 2, {.ttl = 5s});
  BOOST_TEST(!a.arrive_and_wait(100ms));
  std::string entries = "/coord/barriers/" + name + "/entries";
  auto nodes = client.get(entries, GetOptions{.recursive = true, .quorum = true}).node.nodes;
  BOOST_REQUIRE_EQUAL(nodes.size(), 1u);
  client.create_in_order(entries, *nodes.front().value, SetOptions{.ttl = 5s});  // the late copy
  BOOST_TEST(!a.arrive_and_wait(300ms));
  BOOST_TEST(!a.opened());
  Barrier b(client, name, 2, {.ttl = 5s});
  BOOST_TEST(b.arrive_and_wait(5s));
  BOOST_TEST(a.arrive_and_wait(5s));
}

// Fault: the participant's traffic is frozen while it waits. Must hold: arrive_and_wait returns
// false at its deadline (it does not throw the client's timeout, nor wait longer).
COORD_BOTH_SERVERS_CASE(barrier__unreachable_cluster_gives_false_at_the_deadline, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  std::string name = unique_name("bar-frozen");
  Barrier a(a_client, name, 2, {.ttl = 5s});
  BOOST_TEST(!a.arrive_and_wait(100ms));
  relay.freeze();
  auto start = Clock::now();
  bool opened = true;
  BOOST_CHECK_NO_THROW(opened = a.arrive_and_wait(800ms));
  auto took = Clock::now() - start;
  BOOST_TEST(!opened);
  BOOST_TEST((took >= 800ms));
  BOOST_TEST((took < 2500ms));
  relay.thaw();
}

// Fault: the registration's key is deleted (as by an expiry). Must hold: with reregister, the
// instance registers again by itself, as a new incarnation, and says so through on_reregistered.
COORD_BOTH_SERVERS_CASE(registration__reregisters_after_its_key_is_gone, 1) {
  Client client(coord::test::options_for(cluster));
  std::promise<ServiceInstance> healed;
  std::atomic<int> heals{0};
  ServiceRegistry registry(client, unique_name("svc-heal"),
                           {.reregister = true, .on_reregistered = [&](const ServiceInstance& i) {
                              if (heals++ == 0) healed.set_value(i);
                            }});
  Registration reg = registry.register_instance("x", "127.0.0.1:1", 2s);
  auto first = reg.incarnation();
  client.remove(reg.key());
  auto f = healed.get_future();
  BOOST_REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto again = f.get();
  BOOST_TEST(again.created_index > first);
  BOOST_TEST(reg.incarnation() == again.created_index);
  BOOST_TEST(reg.alive());
  auto listed = registry.instances();
  BOOST_REQUIRE_EQUAL(listed.size(), 1u);
  BOOST_TEST(listed.front().created_index == again.created_index);
  reg.update_metadata({{"zone", "b"}});  // the healed registration is fully usable
  reg.deregister();
  BOOST_TEST(registry.instances().empty());
}

// Fault: the instance's traffic is frozen past its TTL, then thawed. Must hold: it is not alive
// while frozen (lease rule) and registers again by itself after the thaw.
COORD_BOTH_SERVERS_CASE(registration__reregisters_after_a_partition_heals, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client direct(coord::test::options_for(cluster));
  std::promise<void> healed;
  std::atomic<int> heals{0};
  std::string service = unique_name("svc-part");
  ServiceRegistry registry(a_client, service, {.reregister = true, .on_reregistered = [&](const ServiceInstance&) {
                                                 if (heals++ == 0) healed.set_value();
                                               }});
  Registration reg = registry.register_instance("x", "127.0.0.1:1", 2s);
  relay.freeze();
  BOOST_REQUIRE(eventually([&] { return !reg.alive(); }, 3s));
  ServiceRegistry observer(direct, service);
  BOOST_REQUIRE(eventually([&] { return observer.instances().empty(); }, 5s));  // expired on the server
  relay.thaw();
  auto f = healed.get_future();
  BOOST_REQUIRE(f.wait_for(10s) == std::future_status::ready);
  BOOST_TEST(reg.alive());
  BOOST_TEST(observer.instances().size() == 1u);
}

// A restarted instance registers the id whose key its dead predecessor left behind. Must hold:
// without replace_existing that is refused (105); with it the new instance replaces the key as a
// new incarnation; the predecessor (here still alive, with reregister) learns it lost the id and
// does not take it back.
COORD_BOTH_SERVERS_CASE(registration__restarted_instance_replaces_its_predecessor_without_a_fight, 1) {
  Client client(coord::test::options_for(cluster));
  std::string service = unique_name("svc-restart");
  std::promise<void> old_healed;
  std::atomic<int> heals{0};
  ServiceRegistry old_registry(client, service, {.reregister = true, .on_reregistered = [&](const ServiceInstance&) {
                                                   if (heals++ == 0) old_healed.set_value();
                                                 }});
  Registration old = old_registry.register_instance("x", "127.0.0.1:1", 2s);
  ServiceRegistry plain(client, service);
  try {
    plain.register_instance("x", "127.0.0.1:2", 2s);
    BOOST_FAIL("a live id was registered twice");
  } catch (const Error& e) {
    BOOST_TEST(e.error_code() == errc::kNodeExist);
  }
  ServiceRegistry replacing(client, service, {.replace_existing = true});
  Registration fresh = replacing.register_instance("x", "127.0.0.1:2", 2s);
  BOOST_TEST(fresh.incarnation() > old.incarnation());
  BOOST_REQUIRE(eventually([&] { return !old.alive(); }, 3s));
  // Bounded look for the fight that must not happen: a re-registration of the old instance.
  BOOST_TEST((old_healed.get_future().wait_for(2s) == std::future_status::timeout));
  BOOST_TEST(fresh.alive());
  auto listed = replacing.instances();
  BOOST_REQUIRE_EQUAL(listed.size(), 1u);
  BOOST_TEST(listed.front().endpoint == "127.0.0.1:2");
}

// Two workers that use the same worker name: the second claims the task after the first's key
// vanished (as after a partition). The first must learn it lost the task at its next write
// instead of overwriting the second's progress (its value is told apart by a unique token).
COORD_BOTH_SERVERS_CASE(task_progress__same_worker_name_never_takes_over_anothers_task, 1) {
  Client client(coord::test::options_for(cluster));
  std::string job = unique_name("job");
  TaskProgress a(client, job, "t", {.ttl = 5s, .min_interval = 0ms, .worker = "w"});
  client.remove(a.key());
  TaskProgress b(client, job, "t", {.ttl = 5s, .min_interval = 0ms, .worker = "w"});
  BOOST_CHECK_THROW(a.report(0.9, "stale"), RecipeError);
  BOOST_TEST(!a.alive());
  BOOST_TEST(b.report(0.5, "mine"));
  auto status = TaskStatus::from_node(client.get(b.key()).node);
  BOOST_REQUIRE(status.has_value());
  BOOST_TEST(status->fraction == 0.5);
  BOOST_TEST(b.alive());
}

// Fault: the leader's traffic (started with listeners and auto_requeue) is frozen past its TTL
// while another candidate, connected directly, waits. Must hold: the frozen leader hears
// on_revoked before the other is elected; after the thaw it requeues by itself and, once the
// other stops, is elected again with a larger term.
COORD_BOTH_SERVERS_CASE(election_listener__frozen_leader_revoked_before_successor_then_requeues, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client b_client(coord::test::options_for(cluster));
  std::string name = unique_name("el-frozen");
  std::atomic<Clock::rep> a_revoked{0}, b_elected{0};
  std::atomic<int> a_elections{0};
  std::atomic<std::uint64_t> a_term{0};
  ElectionOptions ao{.ttl = 2s};
  ao.auto_requeue = true;
  ao.on_elected = [&](std::uint64_t t) {
    a_term = t;
    ++a_elections;
  };
  ao.on_revoked = [&](const std::string&) {
    Clock::rep zero = 0;
    a_revoked.compare_exchange_strong(zero, Clock::now().time_since_epoch().count());
  };
  ElectionOptions bo{.ttl = 2s};
  bo.on_elected = [&](std::uint64_t) { b_elected = Clock::now().time_since_epoch().count(); };
  LeaderElection a(a_client, name, ao);
  LeaderElection b(b_client, name, bo);
  a.start("alpha");
  BOOST_REQUIRE(eventually([&] { return a_elections.load() == 1; }, 5s));
  std::uint64_t first_term = a_term;
  b.start("beta");
  relay.freeze();
  BOOST_REQUIRE(eventually([&] { return b_elected.load() != 0; }, 10s));
  BOOST_REQUIRE_MESSAGE(a_revoked.load() != 0, "the frozen leader was not revoked before the successor was elected");
  BOOST_TEST(a_revoked.load() < b_elected.load());
  BOOST_TEST(!a.is_leader());
  relay.thaw();
  BOOST_REQUIRE(eventually([&] { return b_client.get(b.directory(), GetOptions{.recursive = true}).node.nodes.size() == 2; }, 10s));
  b.stop();
  BOOST_REQUIRE(eventually([&] { return a_elections.load() == 2; }, 10s));
  BOOST_TEST(a.is_leader());
  BOOST_TEST(a_term.load() > b.term());
  BOOST_TEST(b.term() > first_term);
  a.stop();
}

COORD_BOTH_SERVERS_CASE(coordctl_lock__terminates_the_child_when_the_lock_is_lost, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client direct(coord::test::options_for(cluster));
  std::string name = unique_name("ctl-lock");
  coordctl_kills_child(relay, {"lock", name, "--ttl", "2"}, [&] {
    DistributedLock b(direct, name, {.ttl = 2s});
    b.lock();
    b.unlock();
  });
}

COORD_BOTH_SERVERS_CASE(coordctl_elect__terminates_the_child_when_leadership_is_lost, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client direct(coord::test::options_for(cluster));
  std::string name = unique_name("ctl-elect");
  coordctl_kills_child(relay, {"elect", name, "alpha", "--ttl", "2"}, [&] {
    LeaderElection b(direct, name, {.ttl = 2s});
    b.campaign("beta");
    b.resign();
  });
}

// Fault: participant c's traffic freezes after all three entered, past its TTL. Must hold: the
// others' leave() completes once c's entry expired (it does not hang on c), and c, thawed, learns
// from leave() that its entry was lost (kSessionExpired) instead of believing all waited for it.
COORD_BOTH_SERVERS_CASE(double_barrier__frozen_participant_expires_and_the_others_leave, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client c_client(via_relay(relay));
  Client direct(coord::test::options_for(cluster));
  std::string name = unique_name("dbar-frozen");
  DoubleBarrier a(direct, name, 3, {.ttl = 2s});
  DoubleBarrier b(direct, name, 3, {.ttl = 2s});
  DoubleBarrier c(c_client, name, 3, {.ttl = 2s});
  auto a_in = std::async(std::launch::async, [&] { return a.enter(10s); });
  auto b_in = std::async(std::launch::async, [&] { return b.enter(10s); });
  BOOST_REQUIRE(c.enter(10s));
  BOOST_REQUIRE(a_in.get());
  BOOST_REQUIRE(b_in.get());
  relay.freeze();
  auto frozen_at = Clock::now();
  auto a_out = std::async(std::launch::async, [&] { return a.leave(15s); });
  BOOST_TEST(b.leave(15s));
  BOOST_TEST(a_out.get());
  BOOST_TEST((Clock::now() - frozen_at < 10s));
  relay.thaw();
  BOOST_CHECK_THROW(c.leave(5s), RecipeError);
}

// The common scenario with a ReadWriteLock: the writer (via the relay) freezes; a reader
// (direct) waits for it.
COORD_BOTH_SERVERS_CASE(read_write_lock__frozen_writer_loses_before_a_reader_enters_and_is_fenced, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client b_client(coord::test::options_for(cluster));
  std::string name = unique_name("rw-frozen");
  ReadWriteLock a(a_client, name, {.ttl = 2s});
  ReadWriteLock b(b_client, name, {.ttl = 2s});
  a.write_lock().lock();
  Guard g{[&] { return a.write_lock().owns_lock(); }, [&] { return a.write_lock().stop_token(); },
          [&] { return a.write_lock().fencing_token(); }};
  frozen_holder_case(relay, a_client, b_client, g, [&] {
    b.read_lock().lock();
    return b.read_lock().fencing_token();
  }, "read-write lock");
  a.write_lock().unlock();
  BOOST_TEST(a.write_lock().lost_before_release());
  b.read_lock().unlock();
}

// The common scenario with a WorkQueue: the consumer (via the relay) holding an item freezes; a
// second consumer (direct) waits for an item. Must hold (beside the common claims): the item
// returns to the queue only after the frozen consumer stopped believing it holds it, and the
// frozen consumer's ack() after the thaw is refused and removes nothing.
COORD_BOTH_SERVERS_CASE(work_queue__frozen_consumers_item_returns_after_its_lease_and_its_ack_is_refused, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client a_client(via_relay(relay));
  Client b_client(coord::test::options_for(cluster));
  std::string name = unique_name("wq-frozen");
  WorkQueue a_queue(a_client, name, {.ttl = 2s});
  WorkQueue b_queue(b_client, name, {.ttl = 2s});
  b_queue.push("job");
  auto a = a_queue.claim(5s);
  BOOST_REQUIRE(a.has_value());
  std::optional<WorkItem> b;
  Guard g{[&] { return a->holds(); }, [&] { return a->stop_token(); }, [&] { return a->fencing_token(); }};
  frozen_holder_case(relay, a_client, b_client, g, [&] {
    b = b_queue.claim(15s);
    BOOST_REQUIRE(b.has_value());
    return b->fencing_token();
  }, "work queue");
  BOOST_TEST(b->payload() == "job");
  BOOST_TEST(b->id() == a->id());
  BOOST_CHECK_THROW(a->ack(), RecipeError);
  BOOST_TEST(b_queue.size() == 1u);  // the refused ack removed nothing
  b->ack();
  BOOST_TEST(b_queue.size() == 0u);
}

// Fault: the table's traffic is frozen and its connections cut (the server forgets its watch)
// while three of its four instances deregister and more writes than the server's 1000-event
// history pass elsewhere; thawed, its watch gets 401 and resyncs to a list of one. Must hold:
// the table does not believe that mass disappearance (below half of the last healthy list): it
// keeps serving the four (panicking()) and on_change never sees fewer; a removal seen as an
// event still removes, during the panic too; once the server lists half of the last healthy
// list again the panic ends and the instances gone on the server are dropped. Before that,
// removal events that take the list below half apply at once (only a resync is doubted).
COORD_BOTH_SERVERS_CASE(load_balancer_table__resync_showing_most_instances_gone_keeps_the_last_healthy_list, 1) {
  coord::test::TcpRelay relay(cluster.client_url(0));
  Client table_client(via_relay(relay));
  Client direct(coord::test::options_for(cluster));
  std::string service = unique_name("svc-panic");
  ServiceRegistry registry(direct, service);
  std::mutex mu;
  bool recording = false;                                      // guarded by mu
  std::size_t smallest = std::numeric_limits<std::size_t>::max();  // guarded by mu
  LoadBalancerTable table(table_client, service, {.on_change = [&](const std::vector<ServiceInstance>& list) {
                            std::lock_guard lock(mu);
                            if (recording) smallest = std::min(smallest, list.size());
                          }});
  auto has_ids = [&](std::set<std::string> want) {
    return table.wait_until([&](const auto& list) { return ids_of(list) == want; }, 10s);
  };
  std::map<std::string, Registration> regs;
  for (std::string id : {"a", "b", "c", "d", "e", "f", "g", "h", "i"}) {
    regs.emplace(id, registry.register_instance(id, "127.0.0.1:1", 10s));
  }
  BOOST_REQUIRE(has_ids({"a", "b", "c", "d", "e", "f", "g", "h", "i"}));
  for (std::string id : {"e", "f", "g", "h", "i"}) regs.at(id).deregister();
  BOOST_REQUIRE(has_ids({"a", "b", "c", "d"}));  // 4 of 9 by events: applied
  BOOST_TEST(!table.panicking());

  relay.freeze();
  relay.cut();
  {
    std::lock_guard lock(mu);
    recording = true;
  }
  for (std::string id : {"b", "c", "d"}) regs.at(id).deregister();
  std::string filler = "/filler/" + unique_name("dir");
  for (int batch = 0; batch < 11; ++batch) {
    std::vector<std::future<Response>> writes;
    for (int i = 0; i < 100; ++i) {
      writes.push_back(direct.async_set(filler + "/" + std::to_string(i), "x", {}, boost::asio::use_future));
    }
    for (auto& w : writes) w.get();
  }
  BOOST_REQUIRE_EQUAL(registry.instances().size(), 1u);
  relay.thaw();
  BOOST_REQUIRE_MESSAGE(eventually([&] { return table.panicking(); }, 10s), "the resync was not doubted");
  BOOST_TEST((ids_of(table.instances()) == std::set<std::string>{"a", "b", "c", "d"}));
  for (int i = 0; i < 8; ++i) BOOST_TEST(table.next().has_value());
  {
    std::lock_guard lock(mu);
    BOOST_TEST(smallest == 4u);  // never less than the last healthy list
  }

  regs.at("a").deregister();  // an event: it removes, also during the panic
  BOOST_TEST(has_ids({"b", "c", "d"}));
  BOOST_TEST(table.panicking());

  regs.insert_or_assign("b", registry.register_instance("b", "127.0.0.1:2", 10s));
  regs.insert_or_assign("c", registry.register_instance("c", "127.0.0.1:2", 10s));
  BOOST_TEST(has_ids({"b", "c"}));  // 2 of the 4: believed again, d (gone) dropped
  BOOST_TEST(!table.panicking());
  for (const auto& i : table.instances()) BOOST_TEST(i.endpoint == "127.0.0.1:2");
}

BOOST_AUTO_TEST_SUITE_END()
