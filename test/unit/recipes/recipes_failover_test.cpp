// Recipes under process-level faults, against coordd and real etcd 3.4 (v2). (1) A holder
// process (examples/exclusive_lock) is frozen with SIGSTOP inside its critical section past its
// TTL, another client acquires, then the holder is thawed with SIGCONT. (2) The leader of a
// 3-member cluster (one per server kind, shared by the cases of this suite) is killed while a
// recipe operation is in flight (acquire, release, register, claim). Must hold: (1) the thawed holder
// finds it no longer owns the lock and does not write; (2) every operation ends with a clear
// outcome (it succeeded, or it threw), and nothing it may have left behind holds the lock, the
// registration or the item for longer than its TTL.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <sys/wait.h>

#include "coord/coord.hpp"
#include "test/support/file/read_file.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/recipes/recipe_test_util.hpp"

using namespace coord;
using namespace coord::recipes;
using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::example_binary;
using coord::test::unique_name;

namespace {

using coord::test::read_file;

// Runs `op` on another thread, kills the cluster's leader while it is in flight, and returns
// whether `op` succeeded (false: it threw). The op must end within `bound` either way.
bool with_leader_killed(coord::test::ServerCluster& cluster, const std::function<void()>& op, int& killed,
                        std::chrono::seconds bound = 30s) {
  auto leader = cluster.leader();
  BOOST_REQUIRE_MESSAGE(leader.has_value(), "no leader");
  killed = *leader;
  auto running = std::async(std::launch::async, op);
  cluster.kill(killed);
  BOOST_REQUIRE_MESSAGE(running.wait_for(bound) == std::future_status::ready, "the operation did not end");
  try {
    running.get();
    return true;
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("operation failed clearly: " << e.what());
    return false;
  }
}

// The shared 3-member cluster with every member running: a case that failed half-way may have
// left its killed member down.
void all_members_running(coord::test::ServerCluster& cluster) {
  BOOST_REQUIRE_MESSAGE(cluster.restart_all_stopped(), cluster.last_error());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(recipes_process_faults)

// (1) The holder process is frozen inside its critical section past the TTL while another client
// acquires and writes; then thawed.
COORD_BOTH_SERVERS_CASE(paused_holder_process__resumes_not_owning_and_does_not_write, 1) {
  Client client(coord::test::options_for(cluster));
  std::string name = unique_name("paused");
  std::string counter = "/paused/" + unique_name("counter");
  coord::test::TempDir dir("paused-holder");
  coord::test::Process holder({example_binary("exclusive_lock"), "--endpoints", cluster.client_url(0), "--name", name,
                               "--counter", counter, "--increments", "1", "--ttl", "2", "--hold-seconds", "5"},
                              dir.file("holder.log"));
  BOOST_REQUIRE_MESSAGE(eventually([&] { return read_file(holder.log_path()).find("holding") != std::string::npos; }, 10s),
                        holder.log_tail());
  holder.stop();  // SIGSTOP inside the critical section
  DistributedLock other(client, name, {.ttl = 2s});
  BOOST_REQUIRE(other.try_lock_for(10s));  // only after the frozen holder's key expired
  client.set(counter, "other");
  holder.cont();
  auto status = holder.wait_exit(10s);
  BOOST_REQUIRE_MESSAGE(status.has_value(), holder.log_tail());
  BOOST_TEST(WIFEXITED(*status));
  BOOST_TEST(WEXITSTATUS(*status) == 3, holder.log_tail());  // "lease lost inside the critical section"
  BOOST_TEST(client.get(counter).node.value.value_or("") == "other");  // the stale holder wrote nothing
  BOOST_TEST(other.owns_lock());
  other.unlock();
}

// (2) Leader killed during lock acquire and during release.
COORD_BOTH_SERVERS_CASE(leader_killed_during_lock_acquire_and_release__clear_outcome_no_orphan_past_ttl, 3) {
  all_members_running(cluster);
  Client client(coord::test::options_for(cluster));
  Client other_client(coord::test::options_for(cluster));
  std::string name = unique_name("failover-lock");
  int killed = -1;
  {
    DistributedLock lock(client, name, {.ttl = 2s});
    bool acquired = with_leader_killed(cluster, [&] { lock.lock(); }, killed);
    BOOST_TEST_MESSAGE("acquire " << (acquired ? "succeeded" : "failed") << "; holds=" << lock.owns_lock());
    if (!acquired) BOOST_TEST(!lock.owns_lock());
  }  // released (or left to expire)
  DistributedLock other(other_client, name, {.ttl = 2s});
  BOOST_TEST(other.try_lock_for(2s + 10s));  // TTL plus an election: no orphan holds longer
  other.unlock();
  BOOST_REQUIRE_MESSAGE(cluster.restart(killed), cluster.last_error());

  DistributedLock lock(client, name, {.ttl = 2s});
  BOOST_REQUIRE(lock.try_lock_for(10s));
  bool released = with_leader_killed(cluster, [&] { lock.unlock(); }, killed);
  BOOST_TEST(released);  // unlock never throws
  BOOST_TEST(!lock.owns_lock());
  BOOST_TEST(other.try_lock_for(2s + 10s));
  other.unlock();
}

// (2) Leader killed during a registration and during a work-queue claim.
COORD_BOTH_SERVERS_CASE(leader_killed_during_register_and_claim__clear_outcome_no_orphan_past_ttl, 3) {
  all_members_running(cluster);
  Client client(coord::test::options_for(cluster));
  int killed = -1;
  std::string service = unique_name("failover-svc");
  ServiceRegistry registry(client, service);
  {
    std::optional<Registration> reg;
    bool registered = with_leader_killed(cluster, [&] { reg.emplace(registry.register_instance("x", "127.0.0.1:1", 2s)); }, killed);
    BOOST_TEST_MESSAGE("register " << (registered ? "succeeded" : "failed"));
    if (registered) BOOST_TEST(registry.instances().size() == 1u);
  }  // deregistered (or left to expire)
  BOOST_TEST(eventually([&] {
    try {
      return registry.instances().empty();
    } catch (const std::exception&) {
      return false;
    }
  }, 2s + 10s));
  BOOST_REQUIRE_MESSAGE(cluster.restart(killed), cluster.last_error());

  WorkQueue queue(client, unique_name("failover-wq"), {.ttl = 2s});
  queue.push("job");
  {
    std::optional<WorkItem> item;
    bool claimed = with_leader_killed(cluster, [&] { item = queue.claim(10s); }, killed);
    BOOST_TEST_MESSAGE("claim " << (claimed ? (item ? "succeeded" : "timed out") : "failed"));
    // The item is free once the cluster has a leader again (an orphan claim of ours is adopted
    // or expires after 2 s): a claim that gives up after 10 s has waited for nothing.
    if (claimed) BOOST_TEST(item.has_value(), "claim() timed out although the item was free");
  }  // released (or left to expire)
  WorkQueue other(client, queue.directory().substr(std::string("/coord/workqueues/").size()), {.ttl = 2s});
  auto again = other.claim(2s + 10s);
  BOOST_REQUIRE(again.has_value());  // the item is back within its TTL
  BOOST_TEST(again->payload() == "job");
  again->ack();
}

BOOST_AUTO_TEST_SUITE_END()
