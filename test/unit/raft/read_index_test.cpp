// ReadIndex (Raft thesis §6.4): linearizable reads without writing to the log.
#include <boost/test/unit_test.hpp>

#include "test/support/raft/lone_node.hpp"
#include "test/support/raft/sim_cluster.hpp"

namespace coord::raft {
namespace {

using test::ClusterOptions;
using test::LoneNode;
using test::of_type;
using test::SimCluster;

SimCluster led_by_1(int size = 3) {
  SimCluster c(ClusterOptions{.size = size});
  c.campaign(1);
  c.deliver_all();
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(read_index)

BOOST_AUTO_TEST_CASE(waiting_reads_share_one_heartbeat_round) {
  SimCluster c = led_by_1();
  RawNode& l = c.raw(1);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(l.read_index("r" + std::to_string(i)).is_ok());
  Ready rd = l.ready();
  auto hbs = of_type(rd.messages, MessageType::kHeartbeat);
  BOOST_TEST(hbs.size() == 2u);  // one round (one per follower) for all five reads
  for (const auto& m : hbs) BOOST_TEST(m.context == "r4");
  BOOST_TEST(rd.read_states.empty());  // not before the round is acknowledged
  l.advance(rd);
  // Put the messages on the wire and let the followers answer.
  c.filter = nullptr;
  for (auto& m : rd.messages) {
    BOOST_REQUIRE(c.raw(m.to).step(m).is_ok());
  }
  // Followers' answers are queued in their Readies; SimCluster delivers them.
  for (NodeId f : {2, 3}) {
    Ready frd = c.raw(f).ready();
    for (auto& m : frd.messages) BOOST_REQUIRE(c.raw(1).step(m).is_ok());
    c.raw(f).advance(frd);
  }
  Ready rd2 = l.ready();
  BOOST_REQUIRE(rd2.read_states.size() == 5u);
  std::uint64_t commit = l.status().commit;
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(rd2.read_states[i].context == "r" + std::to_string(i));
    BOOST_TEST(rd2.read_states[i].index == commit);
  }
  l.advance(rd2);
}

BOOST_AUTO_TEST_CASE(follower_forwards_the_read_to_the_leader) {
  SimCluster c = led_by_1();
  BOOST_REQUIRE(c.propose(1, "w").is_ok());
  c.deliver_all();
  BOOST_REQUIRE(c.read_index(3, "at-follower").is_ok());
  c.deliver_all();
  const auto& rs = c.node(3).read_states;
  BOOST_REQUIRE(rs.size() == 1u);
  BOOST_TEST(rs[0].context == "at-follower");
  BOOST_TEST(rs[0].index == c.raw(1).status().commit);
}

BOOST_AUTO_TEST_CASE(read_is_released_only_once_the_applied_index_reaches_it) {
  SimCluster c = led_by_1();
  // Node 3 stops receiving appends: it learns the read index but cannot apply up to it.
  c.filter = [](const Message& m) { return !(m.type == MessageType::kApp && m.to == 3); };
  BOOST_REQUIRE(c.propose(1, "w").is_ok());
  c.deliver_all();
  BOOST_REQUIRE(c.read_index(3, "lagging").is_ok());
  c.deliver_all();
  BOOST_TEST(c.node(3).read_states.empty());
  BOOST_TEST(c.node(3).pending_reads.size() == 1u);
  c.filter = nullptr;
  c.settle(2);
  BOOST_REQUIRE(c.node(3).read_states.size() == 1u);
  BOOST_TEST(c.node(3).applied >= c.node(3).read_states[0].index);
}

BOOST_AUTO_TEST_CASE(isolated_leader_cannot_confirm_a_read) {
  SimCluster c = led_by_1();
  c.isolate(1);
  BOOST_REQUIRE(c.read_index(1, "stale?").is_ok());
  c.settle(5);
  BOOST_TEST(c.node(1).read_states.empty());
}

BOOST_AUTO_TEST_CASE(without_a_leader_fails_with_unavailable) {
  LoneNode n(1, {1, 2, 3});
  Status s = n.node->read_index("r");
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST((n.node->read_index("").code() == StatusCode::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(single_member_answers_at_once) {
  LoneNode n(1, {1});
  n.node->campaign();
  n.drain();
  BOOST_REQUIRE(n.node->read_index("solo").is_ok());
  n.drain();
  BOOST_REQUIRE(n.read_states.size() == 1u);
  BOOST_TEST(n.read_states[0].index == n.node->status().commit);
}

BOOST_AUTO_TEST_CASE(new_leader_answers_only_after_committing_in_its_term) {
  SimCluster c = led_by_1();
  // Node 2 becomes leader, but its no-op cannot commit yet (its appends are held back).
  c.filter = [](const Message& m) { return !(m.type == MessageType::kApp && m.from == 2); };
  c.transfer_leadership(1, 2);
  c.deliver_all();
  BOOST_REQUIRE(c.leader() == 2u);
  BOOST_REQUIRE(c.read_index(2, "early").is_ok());
  c.deliver_all();
  BOOST_TEST(c.node(2).read_states.empty());
  c.filter = nullptr;
  c.settle(2);
  BOOST_REQUIRE(c.node(2).read_states.size() == 1u);
  BOOST_TEST(c.node(2).read_states[0].index == c.raw(2).status().commit);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
