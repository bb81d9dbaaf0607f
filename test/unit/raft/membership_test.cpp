// Single-server membership changes through conf-change entries, applied when committed.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "test/support/raft/lone_node.hpp"
#include "test/support/raft/sim_cluster.hpp"

namespace coord::raft {
namespace {

using test::ClusterOptions;
using test::LoneNode;
using test::SimCluster;

bool applied(SimCluster& c, NodeId id, const std::string& data) {
  const auto& d = c.node(id).applied_data;
  return std::find(d.begin(), d.end(), data) != d.end();
}

ConfChange cc(ConfChangeType t, NodeId id) { return ConfChange{t, id, "ctx"}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(membership)

BOOST_AUTO_TEST_CASE(added_node_catches_up_and_counts_in_the_quorum) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  BOOST_REQUIRE(c.propose(1, "before").is_ok());
  c.deliver_all();
  c.add_empty_node(4);
  BOOST_REQUIRE(c.propose_conf_change(1, cc(ConfChangeType::kAddNode, 4)).is_ok());
  c.settle(5);
  BOOST_TEST((c.node(1).conf.voters == std::vector<NodeId>{1, 2, 3, 4}));
  BOOST_TEST((c.node(4).conf.voters == std::vector<NodeId>{1, 2, 3, 4}));
  BOOST_TEST(applied(c, 4, "before"));
  // With 4 voters the quorum is 3: two nodes down stall commits.
  c.isolate(3);
  c.isolate(4);
  BOOST_REQUIRE(c.propose(1, "stalled").is_ok());
  c.deliver_all();
  BOOST_TEST(!applied(c, 1, "stalled"));
  c.heal();
  c.settle(3);
  BOOST_TEST(applied(c, 4, "stalled"));
}

BOOST_AUTO_TEST_CASE(removed_follower_shrinks_the_quorum) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  BOOST_REQUIRE(c.propose_conf_change(1, cc(ConfChangeType::kRemoveNode, 3)).is_ok());
  c.settle(3);
  BOOST_TEST((c.node(1).conf.voters == std::vector<NodeId>{1, 2}));
  c.crash(3);
  BOOST_REQUIRE(c.propose(1, "two").is_ok());
  c.deliver_all();
  BOOST_TEST(applied(c, 2, "two"));
  BOOST_TEST(c.raw(1).status().progress.count(3) == 0u);
}

BOOST_AUTO_TEST_CASE(removed_node_does_not_campaign) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  BOOST_REQUIRE(c.propose_conf_change(1, cc(ConfChangeType::kRemoveNode, 3)).is_ok());
  c.settle(3);
  c.isolate(3);
  c.settle(100);
  BOOST_TEST(c.raw(3).status().role == Role::kFollower);
}

BOOST_AUTO_TEST_CASE(removed_leader_steps_down_and_the_rest_elect_a_new_one) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  BOOST_REQUIRE(c.propose_conf_change(1, cc(ConfChangeType::kRemoveNode, 1)).is_ok());
  c.deliver_all();
  BOOST_TEST(c.raw(1).status().role == Role::kFollower);
  NodeId l = kNoNode;
  for (int i = 0; i < 50 && (l == kNoNode || l == 1); ++i) {
    c.settle(1);
    l = c.leader();
  }
  BOOST_TEST((l == 2u || l == 3u));
  BOOST_REQUIRE(c.propose(l, "without-1").is_ok());
  c.settle(2);
  BOOST_TEST(applied(c, 2, "without-1"));
  BOOST_TEST(applied(c, 3, "without-1"));
}

BOOST_AUTO_TEST_CASE(second_conf_change_is_refused_while_one_is_pending) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  c.isolate(2);
  c.isolate(3);  // nothing can commit
  BOOST_REQUIRE(c.propose_conf_change(1, cc(ConfChangeType::kAddNode, 4)).is_ok());
  Status s = c.propose_conf_change(1, cc(ConfChangeType::kAddNode, 5));
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST(s.message().find("conf change pending") != std::string::npos);
  c.heal();
  c.add_empty_node(4);
  c.settle(3);
  c.add_empty_node(5);
  BOOST_TEST(c.propose_conf_change(1, cc(ConfChangeType::kAddNode, 5)).is_ok());
}

BOOST_AUTO_TEST_CASE(config_in_force_is_the_latest_applied_change) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  c.add_empty_node(4);
  BOOST_REQUIRE(c.propose_conf_change(1, cc(ConfChangeType::kAddNode, 4)).is_ok());
  c.settle(3);
  BOOST_REQUIRE(c.propose_conf_change(1, cc(ConfChangeType::kRemoveNode, 2)).is_ok());
  c.settle(3);
  for (NodeId id : {1, 3, 4}) {
    BOOST_TEST((c.raw(id).status().conf_state.voters == std::vector<NodeId>{1, 3, 4}));
  }
}

BOOST_AUTO_TEST_CASE(bootstrap_rejects_non_empty_storage_and_bad_ids) {
  LoneNode n(1, {1, 2, 3});
  BOOST_TEST(!n.node->bootstrap({1, 2, 3}).is_ok());
  LoneNode fresh(1, {});
  BOOST_TEST(!fresh.node->bootstrap({}).is_ok());
  BOOST_TEST(!fresh.node->bootstrap({0, 1}).is_ok());
  BOOST_TEST(fresh.node->bootstrap({3, 1, 2}).is_ok());
  Ready rd = fresh.node->ready();
  BOOST_TEST(rd.entries.size() == 3u);
  BOOST_TEST(rd.committed_entries.size() == 3u);
  BOOST_TEST(rd.hard_state.has_value());
  BOOST_TEST(rd.hard_state->commit == 3u);
  BOOST_TEST(rd.must_sync);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
