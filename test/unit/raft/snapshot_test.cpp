// Snapshots: log compaction, sending a snapshot to a follower that fell behind the leader's
// compacted log, installing it, and reporting its outcome.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "test/support/raft/lone_node.hpp"
#include "test/support/raft/sim_cluster.hpp"

namespace coord::raft {
namespace {

using test::ClusterOptions;
using test::LoneNode;
using test::msg;
using test::of_type;
using test::SimCluster;

// Three nodes; node 3 misses `n` entries, then everyone else compacts past them.
SimCluster lagging_cluster(int n) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  c.isolate(3);
  for (int i = 0; i < n; ++i) BOOST_REQUIRE(c.propose(1, "v" + std::to_string(i)).is_ok());
  c.deliver_all();
  c.compact(1);
  c.compact(2);
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot)

BOOST_AUTO_TEST_CASE(follower_behind_the_compacted_log_receives_a_snapshot_and_catches_up) {
  SimCluster c = lagging_cluster(20);
  int snaps = 0;
  c.filter = [&](const Message& m) {
    if (m.type == MessageType::kSnap) ++snaps;
    return true;
  };
  BOOST_TEST(c.node(1).storage->first_index() > c.node(3).storage->last_index() + 1);
  c.heal();
  c.settle(5);
  BOOST_TEST(snaps == 1);
  BOOST_TEST(c.node(3).storage->snapshot()->metadata.index == c.node(1).storage->snapshot()->metadata.index);
  BOOST_TEST(c.node(3).hash == c.node(1).hash);
  BOOST_TEST(c.node(3).applied == c.node(1).applied);
  BOOST_TEST((c.node(3).conf.voters == std::vector<NodeId>{1, 2, 3}));
  // Replication continues normally after the snapshot.
  BOOST_REQUIRE(c.propose(1, "after").is_ok());
  c.settle(2);
  const auto& d = c.node(3).applied_data;
  BOOST_TEST((std::find(d.begin(), d.end(), "after") != d.end()));
  BOOST_TEST(c.raw(1).status().progress.at(3).state == ProgressState::kReplicate);
}

BOOST_AUTO_TEST_CASE(failed_snapshot_is_reported_and_retried) {
  SimCluster c = lagging_cluster(10);
  int snaps = 0;
  c.filter = [&](const Message& m) {
    if (m.type != MessageType::kSnap) return true;
    return ++snaps > 1;  // lose the first snapshot; SimCluster reports the failure
  };
  c.heal();
  c.settle(10);
  BOOST_TEST(snaps == 2);
  BOOST_TEST(c.node(3).applied == c.node(1).applied);
}

BOOST_AUTO_TEST_CASE(leader_pauses_in_snapshot_state_until_the_outcome_is_reported) {
  SimCluster c = lagging_cluster(10);
  c.report_snapshots = false;
  int snaps = 0;
  c.filter = [&](const Message& m) {
    if (m.type != MessageType::kSnap) return true;
    return ++snaps > 1;  // the first one is lost and nobody says so
  };
  c.heal();
  c.settle(30);
  BOOST_TEST(snaps == 1);  // no second snapshot, no appends: waiting for the report
  BOOST_TEST(c.raw(1).status().progress.at(3).state == ProgressState::kSnapshot);
  BOOST_TEST(c.node(3).applied < c.node(1).applied);
  c.raw(1).report_snapshot(3, false);
  BOOST_TEST(c.raw(1).status().progress.at(3).state == ProgressState::kProbe);
  c.report_snapshots = true;
  c.settle(5);
  BOOST_TEST(snaps == 2);
  BOOST_TEST(c.node(3).applied == c.node(1).applied);
}

BOOST_AUTO_TEST_CASE(follower_installs_snapshot_and_reports_its_new_last_index) {
  LoneNode n(2, {});  // a brand-new member: empty storage, no bootstrap
  Snapshot s;
  s.metadata.index = 50;
  s.metadata.term = 4;
  s.metadata.conf_state.voters = {1, 2, 3};
  s.data = "state";
  Message m = msg(MessageType::kSnap, 1, 2, 4);
  m.snapshot = s;
  auto resp = of_type(n.step(m), MessageType::kAppResp);
  BOOST_REQUIRE(resp.size() == 1u);
  BOOST_TEST(!resp[0].reject);
  BOOST_TEST(resp[0].index == 50u);
  BOOST_TEST(n.storage.snapshot()->metadata.index == 50u);
  BOOST_TEST(n.storage.first_index() == 51u);
  RaftStatus st = n.node->status();
  BOOST_TEST(st.commit == 50u);
  BOOST_TEST(st.applied == 50u);
  BOOST_TEST((st.conf_state.voters == std::vector<NodeId>{1, 2, 3}));
  // An older snapshot is ignored (answers with the current commit).
  s.metadata.index = 40;
  m.snapshot = s;
  auto resp2 = of_type(n.step(m), MessageType::kAppResp);
  BOOST_TEST(resp2.at(0).index == 50u);
}

BOOST_AUTO_TEST_CASE(node_restarts_from_snapshot_plus_log) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(c.propose(1, "a" + std::to_string(i)).is_ok());
  c.deliver_all();
  c.compact(2, 3);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(c.propose(1, "b" + std::to_string(i)).is_ok());
  c.deliver_all();
  c.settle(1);
  std::uint64_t hash = c.node(2).hash, applied = c.node(2).applied;
  c.crash(2);
  c.restart(2);
  BOOST_TEST(c.node(2).applied == applied);
  BOOST_TEST(c.node(2).hash == hash);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
