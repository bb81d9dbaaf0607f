// Raft paper §5.2 (leader election), §5.1 (terms), plus pre-vote and check-quorum.
#include <boost/test/unit_test.hpp>

#include <set>

#include "server/raft/memory_storage.hpp"
#include "server/raft/raw_node.hpp"
#include "test/support/raft/lone_node.hpp"
#include "test/support/raft/sim_cluster.hpp"

namespace coord::raft {
namespace {

using test::ClusterOptions;
using test::SimCluster;

using Lone = test::LoneNode;
using test::of_type;

}  // namespace

BOOST_AUTO_TEST_SUITE(election)

BOOST_AUTO_TEST_CASE(follower_starts_election_after_randomized_election_timeout) {
  // §5.2: a follower that hears nothing for an election timeout becomes candidate; the timeout
  // is drawn from [election_tick, 2 * election_tick).
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Lone n(1, {1, 2, 3}, seed);
    int ticks = 0;
    while (n.node->status().role == Role::kFollower && ticks < 100) {
      n.node->tick();
      ++ticks;
    }
    BOOST_TEST(ticks >= 10);
    BOOST_TEST(ticks < 20);
    BOOST_TEST(n.node->status().role == Role::kCandidate);
  }
}

BOOST_AUTO_TEST_CASE(randomized_timeouts_differ_between_seeds) {
  // §5.2: randomized timeouts make split votes rare; the randomness comes only from the seed.
  std::set<int> seen;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Lone n(1, {1, 2, 3}, seed);
    int ticks = 0;
    while (n.node->status().role == Role::kFollower) {
      n.node->tick();
      ++ticks;
    }
    seen.insert(ticks);
  }
  BOOST_TEST(seen.size() > 3u);
  // Same seed, same timeout.
  Lone a(1, {1, 2, 3}, 7), b(1, {1, 2, 3}, 7);
  int ta = 0, tb = 0;
  while (a.node->status().role == Role::kFollower) a.node->tick(), ++ta;
  while (b.node->status().role == Role::kFollower) b.node->tick(), ++tb;
  BOOST_TEST(ta == tb);
}

BOOST_AUTO_TEST_CASE(candidate_increments_term_votes_for_itself_and_requests_votes) {
  // §5.2: "To begin an election, a follower increments its current term ... votes for itself
  // and issues RequestVote RPCs in parallel to each of the other servers."
  Lone n(1, {1, 2, 3});
  std::uint64_t term = n.node->status().term;
  n.node->campaign();
  auto msgs = n.drain();
  RaftStatus st = n.node->status();
  BOOST_TEST(st.term == term + 1);
  BOOST_TEST(st.vote == 1u);
  BOOST_TEST(n.storage.hard_state().vote == 1u);  // the vote is persisted with the Ready
  auto votes = of_type(msgs, MessageType::kVote);
  BOOST_REQUIRE(votes.size() == 2u);
  BOOST_TEST(votes[0].term == term + 1);
}

BOOST_AUTO_TEST_CASE(candidate_wins_with_votes_from_a_majority) {
  // §5.2: "A candidate wins an election if it receives votes from a majority of the servers".
  Lone n(1, {1, 2, 3, 4, 5});
  n.node->campaign();
  auto votes = of_type(n.drain(), MessageType::kVote);
  Message r;
  r.type = MessageType::kVoteResp;
  r.to = 1;
  r.term = votes[0].term;
  r.from = 2;
  BOOST_REQUIRE(n.node->step(r).is_ok());
  n.drain();
  BOOST_TEST(n.node->status().role == Role::kCandidate);  // 2 of 5
  r.from = 3;
  BOOST_REQUIRE(n.node->step(r).is_ok());
  auto msgs = n.drain();
  BOOST_TEST(n.node->status().role == Role::kLeader);  // 3 of 5
  // The new leader announces itself with appends (its no-op entry) to every follower.
  BOOST_TEST(of_type(msgs, MessageType::kApp).size() == 4u);
}

BOOST_AUTO_TEST_CASE(candidate_loses_when_a_majority_rejects) {
  Lone n(1, {1, 2, 3});
  n.node->campaign();
  auto votes = of_type(n.drain(), MessageType::kVote);
  for (NodeId from : {2, 3}) {
    Message r;
    r.type = MessageType::kVoteResp;
    r.from = from;
    r.to = 1;
    r.term = votes[0].term;
    r.reject = true;
    BOOST_REQUIRE(n.node->step(r).is_ok());
  }
  n.drain();
  BOOST_TEST(n.node->status().role == Role::kFollower);
}

BOOST_AUTO_TEST_CASE(voter_grants_at_most_one_vote_per_term_first_come_first_served) {
  // §5.2: "Each server will vote for at most one candidate in a given term, on a
  // first-come-first-served basis".
  Lone n(1, {1, 2, 3});
  Message v;
  v.type = MessageType::kVote;
  v.to = 1;
  v.term = 5;
  v.index = 10;
  v.log_term = 4;
  v.from = 2;
  BOOST_REQUIRE(n.node->step(v).is_ok());
  auto r1 = of_type(n.drain(), MessageType::kVoteResp);
  BOOST_REQUIRE(r1.size() == 1u);
  BOOST_TEST(!r1[0].reject);
  v.from = 3;
  BOOST_REQUIRE(n.node->step(v).is_ok());
  auto r2 = of_type(n.drain(), MessageType::kVoteResp);
  BOOST_REQUIRE(r2.size() == 1u);
  BOOST_TEST(r2[0].reject);
  // The same candidate asking again (a retransmission) gets the vote again.
  v.from = 2;
  BOOST_REQUIRE(n.node->step(v).is_ok());
  auto r3 = of_type(n.drain(), MessageType::kVoteResp);
  BOOST_TEST(!r3.at(0).reject);
}

BOOST_AUTO_TEST_CASE(step__rejects_vote_from_stale_term) {
  // §5.1: a request with a stale term is rejected.
  Lone n(1, {1, 2, 3});
  n.node->campaign();
  n.node->campaign();
  n.drain();
  std::uint64_t term = n.node->status().term;
  Message v;
  v.type = MessageType::kVote;
  v.from = 2;
  v.to = 1;
  v.term = term - 1;
  v.index = 100;
  v.log_term = term - 1;
  BOOST_REQUIRE(n.node->step(v).is_ok());
  auto msgs = n.drain();
  for (const auto& m : of_type(msgs, MessageType::kVoteResp)) BOOST_TEST(m.reject);
  BOOST_TEST(n.node->status().term == term);
  BOOST_TEST(n.node->status().vote == 1u);
}

BOOST_AUTO_TEST_CASE(higher_term_turns_candidate_or_leader_into_follower) {
  // §5.1: "If a server discovers that its current term is out of date, it immediately reverts
  // to follower state."
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  BOOST_REQUIRE(c.leader() == 1u);
  std::uint64_t term = c.raw(1).status().term;
  Message hb;
  hb.type = MessageType::kApp;
  hb.from = 2;
  hb.to = 1;
  hb.term = term + 3;
  hb.index = 0;
  BOOST_REQUIRE(c.raw(1).step(hb).is_ok());
  BOOST_TEST(c.raw(1).status().role == Role::kFollower);
  BOOST_TEST(c.raw(1).status().term == term + 3);
}

BOOST_AUTO_TEST_CASE(candidate_returns_to_follower_on_append_from_leader_of_its_term) {
  // §5.2: "If the leader's term is at least as large as the candidate's current term, then the
  // candidate recognizes the leader as legitimate and returns to follower state."
  Lone n(1, {1, 2, 3});
  n.node->campaign();
  auto votes = of_type(n.drain(), MessageType::kVote);
  Message app;
  app.type = MessageType::kApp;
  app.from = 2;
  app.to = 1;
  app.term = votes[0].term;
  app.index = n.node->status().commit;
  app.log_term = 1;
  BOOST_REQUIRE(n.node->step(app).is_ok());
  BOOST_TEST(n.node->status().role == Role::kFollower);
  BOOST_TEST(n.node->status().lead == 2u);
}

BOOST_AUTO_TEST_CASE(leader_heartbeats_prevent_new_elections) {
  // §5.2: "Leaders send periodic heartbeats ... to all followers in order to maintain their
  // authority."
  SimCluster c(ClusterOptions{});
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  std::uint64_t term = c.raw(l).status().term;
  c.settle(200);
  BOOST_TEST(c.leader() == l);
  BOOST_TEST(c.raw(l).status().term == term);
}

BOOST_AUTO_TEST_CASE(new_leader_elected_after_leader_crash) {
  SimCluster c(ClusterOptions{.size = 5});
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  c.crash(l);
  NodeId l2 = c.wait_for_leader();
  BOOST_TEST(l2 != kNoNode);
  BOOST_TEST(l2 != l);
}

BOOST_AUTO_TEST_CASE(single_member_elects_itself_after_election_tick_and_commits_alone) {
  Lone n(1, {1});
  for (int i = 0; i < 9; ++i) n.node->tick();
  BOOST_TEST(n.node->status().role == Role::kFollower);
  n.node->tick();
  BOOST_TEST(n.node->status().role == Role::kLeader);
  auto msgs = n.drain();
  BOOST_TEST(msgs.empty());
  BOOST_REQUIRE(n.node->propose("x").is_ok());
  BOOST_TEST(n.node->has_ready());
  Ready rd = n.node->ready();
  // Persist, then apply: the proposal is committed in the very Ready that persists it.
  BOOST_REQUIRE(rd.entries.size() == 1u);
  BOOST_REQUIRE(rd.committed_entries.size() == 1u);
  BOOST_TEST(rd.committed_entries[0].data == "x");
  BOOST_TEST(rd.messages.empty());
  n.node->advance(rd);
}

BOOST_AUTO_TEST_CASE(single_member_campaign_makes_it_leader_at_once) {
  Lone n(1, {1}, 1, /*pre_vote=*/true);
  n.node->campaign();
  BOOST_TEST(n.node->status().role == Role::kLeader);
}

BOOST_AUTO_TEST_CASE(prevote__partitioned_node_rejoining_does_not_disrupt_the_leader) {
  SimCluster c(ClusterOptions{.size = 3});
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  std::uint64_t term = c.raw(l).status().term;
  NodeId lonely = l == 3 ? 2 : 3;
  c.isolate(lonely);
  c.settle(100);  // the isolated node times out again and again, but only pre-votes
  BOOST_TEST(c.raw(lonely).status().term == term);
  c.heal();
  c.settle(50);
  BOOST_TEST(c.leader() == l);
  BOOST_TEST(c.raw(l).status().term == term);
}

BOOST_AUTO_TEST_CASE(without_prevote_a_rejoining_node_forces_a_new_term) {
  // The counterpart that shows what pre-vote buys: the isolated node inflates its term.
  SimCluster c(ClusterOptions{.size = 3, .pre_vote = false, .check_quorum = false});
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  std::uint64_t term = c.raw(l).status().term;
  NodeId lonely = l == 3 ? 2 : 3;
  c.isolate(lonely);
  c.settle(100);
  BOOST_TEST(c.raw(lonely).status().term > term);
  c.heal();
  c.settle(50);
  BOOST_TEST(c.raw(c.wait_for_leader()).status().term > term);
}

BOOST_AUTO_TEST_CASE(check_quorum__leader_that_loses_its_quorum_steps_down) {
  SimCluster c(ClusterOptions{.size = 3});
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  c.isolate(l);
  for (int i = 0; i < 25; ++i) c.tick(l);
  BOOST_TEST(c.raw(l).status().role == Role::kFollower);
  // The other two elect a new leader among themselves.
  c.settle(60);
  NodeId l2 = c.leader();
  BOOST_TEST(l2 != kNoNode);
  BOOST_TEST(l2 != l);
}

BOOST_AUTO_TEST_CASE(check_quorum__followers_ignore_votes_while_the_leader_is_alive) {
  SimCluster c(ClusterOptions{.size = 3, .pre_vote = false});
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  NodeId f = l == 1 ? 2 : 1;
  std::uint64_t term = c.raw(l).status().term;
  c.campaign(f);  // a disruptive campaign without pre-vote
  c.deliver_all();
  // The others heard from the leader within the election timeout: they keep it.
  NodeId other = 6 - l - f;
  BOOST_TEST(c.raw(other).status().term == term);
  BOOST_TEST(c.raw(l).status().role == Role::kLeader);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
