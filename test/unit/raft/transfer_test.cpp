// Leader transfer (Raft thesis §3.10): TimeoutNow for graceful restarts.
#include <boost/test/unit_test.hpp>

#include "test/support/raft/lone_node.hpp"
#include "test/support/raft/sim_cluster.hpp"

namespace coord::raft {
namespace {

using test::ClusterOptions;
using test::of_type;
using test::SimCluster;

}  // namespace

BOOST_AUTO_TEST_SUITE(leader_transfer)

BOOST_AUTO_TEST_CASE(up_to_date_follower_takes_over_at_once) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  std::uint64_t term = c.raw(1).status().term;
  c.transfer_leadership(1, 3);
  c.deliver_all();
  BOOST_TEST(c.leader() == 3u);
  BOOST_TEST(c.raw(3).status().term == term + 1);
  BOOST_TEST(c.raw(1).status().role == Role::kFollower);
}

BOOST_AUTO_TEST_CASE(lagging_transferee_is_caught_up_first) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  c.isolate(3);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(c.propose(1, "x").is_ok());
  c.deliver_all();
  c.heal();
  int timeout_now = 0;
  c.filter = [&](const Message& m) {
    if (m.type == MessageType::kTimeoutNow) {
      ++timeout_now;
      // Sent only once the transferee holds the whole log.
      BOOST_TEST(c.node(3).storage->last_index() == c.node(1).storage->last_index());
    }
    return true;
  };
  c.transfer_leadership(1, 3);
  c.deliver_all();
  BOOST_TEST(timeout_now == 1);
  BOOST_TEST(c.leader() == 3u);
}

BOOST_AUTO_TEST_CASE(proposals_are_refused_while_a_transfer_is_under_way) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  c.isolate(3);
  c.transfer_leadership(1, 3);
  Status s = c.propose(1, "during");
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST(c.raw(1).status().lead_transferee == 3u);
}

BOOST_AUTO_TEST_CASE(transfer_to_an_unreachable_node_is_abandoned_after_an_election_timeout) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  c.crash(3);
  c.transfer_leadership(1, 3);
  BOOST_TEST(c.raw(1).status().lead_transferee == 3u);
  for (int i = 0; i < 12; ++i) c.tick(1);
  c.deliver_all();
  BOOST_TEST(c.raw(1).status().lead_transferee == kNoNode);
  BOOST_TEST(c.raw(1).status().role == Role::kLeader);
  BOOST_TEST(c.propose(1, "after").is_ok());
}

BOOST_AUTO_TEST_CASE(follower_forwards_the_transfer_request) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  c.transfer_leadership(2, 2);  // asked at node 2, for node 2
  c.deliver_all();
  BOOST_TEST(c.leader() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
