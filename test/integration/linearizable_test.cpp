// Linearizability of a 3-member coordd cluster under member faults, checked on the recorded
// history (test/support/history/). Four clients run sets, compare-and-swaps, creates, deletes
// and quorum gets on three keys, each through one member over raw HTTP, while the test freezes
// the leader (SIGSTOP) past the election timeout and thaws it, kills the leader with SIGKILL and
// restarts it, and kills and restarts a follower. A request that got no answer is indeterminate:
// it may have taken effect or not. After the faults every member answers a quorum get of every
// key, so a write acknowledged and then lost fails the check like any stale read.
//
// What must hold: the whole history is linearizable (with the v2 key model), and every client
// got answers in every phase (the cluster made progress through each fault); a phase that
// stalls is named in the failure, with every member's log tail.
#include <boost/test/unit_test.hpp>

#include "test/support/history/history_recorder.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
namespace history = coord::test::history;
using coord::test::eventually;

BOOST_AUTO_TEST_SUITE(linearizable)

BOOST_AUTO_TEST_CASE(history_stays_linearizable_through_freeze_kill_and_restart_of_members) {
  std::string why;
  if (!coord::test::server_binary(coord::test::ServerKind::kCoordd, &why)) {
    BOOST_FAIL("coordd not found: " << why);
  }
  coord::test::ClusterOptions options;
  options.heartbeat_ms = 50;
  options.election_ms = 500;
  coord::test::ServerCluster cluster(coord::test::ServerKind::kCoordd, 3, options);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());

  history::HistoryRecorder recorder(cluster, 4, {"lin/a", "lin/b", "lin/c"});
  recorder.start();
  bool ok = recorder.progress("before any fault", 100);
  std::optional<int> leader = cluster.leader();
  if (ok && leader) {
    // Fault 1: the leader freezes past the election timeout; the others elect a new one.
    cluster.freeze(*leader);
    ok = eventually([&] {
      auto l = cluster.leader(200ms);
      return l && *l != *leader;
    }, 20s) && recorder.progress("leader frozen", 50);
    cluster.thaw(*leader);
  }
  if (ok) ok = recorder.progress("old leader thawed", 50);
  leader = ok ? cluster.leader() : std::nullopt;
  if (ok && leader) {
    // Fault 2: the leader is killed, then restarted on its data.
    cluster.kill(*leader);
    ok = recorder.progress("leader killed", 50) && cluster.restart(*leader) && recorder.progress("leader restarted", 50);
  }
  leader = ok ? cluster.leader() : std::nullopt;
  if (ok && leader) {
    // Fault 3: a follower is killed, then restarted.
    const int follower = (*leader + 1) % cluster.size();
    cluster.kill(follower);
    ok = recorder.progress("follower killed", 50) && cluster.restart(follower) &&
         recorder.progress("follower restarted", 50);
  }
  recorder.stop();
  BOOST_REQUIRE_MESSAGE(ok, history::stall_report(recorder, cluster) << "\nlast cluster error: " << cluster.last_error());

  // Every member answers a quorum get of every key, as the last operations of the history.
  const std::string missing = recorder.final_reads({0, 1, 2});
  BOOST_TEST(missing.empty(), missing);
  const auto verdict = recorder.check();
  BOOST_TEST_MESSAGE("linearizability: " << verdict.operations << " operations (" << verdict.indeterminate
                                         << " indeterminate), " << verdict.states_explored << " states explored");
  BOOST_TEST(verdict.linearizable, verdict.explanation);
}

BOOST_AUTO_TEST_SUITE_END()
