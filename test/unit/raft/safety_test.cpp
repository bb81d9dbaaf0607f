// Raft paper §5.4 (safety): election restriction, committing entries from previous terms,
// Leader Completeness, State Machine Safety; and self-tests of the invariant checker that the
// simulation relies on.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "test/support/raft/lone_node.hpp"
#include "test/support/raft/sim_cluster.hpp"

namespace coord::raft {
namespace {

using test::ClusterOptions;
using test::InvariantChecker;
using test::InvariantViolation;
using test::LoneNode;
using test::msg;
using test::of_type;
using test::SimCluster;

// Node 1 of {1,2,3} holding, after bootstrap entries 1..3, entries of the given terms.
LoneNode with_log(const std::vector<std::uint64_t>& terms) {
  LoneNode n(1, {1, 2, 3});
  Message app = msg(MessageType::kApp, 2, 1, terms.back());
  app.index = 3;
  app.log_term = 1;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    Entry e;
    e.term = terms[i];
    e.index = 4 + i;
    app.entries.push_back(e);
  }
  n.step(app);
  return n;
}

bool granted(LoneNode& n, std::uint64_t term, std::uint64_t last_index, std::uint64_t last_term,
             NodeId from) {
  Message v = msg(MessageType::kVote, from, 1, term);
  v.index = last_index;
  v.log_term = last_term;
  auto r = of_type(n.step(v), MessageType::kVoteResp);
  BOOST_REQUIRE(r.size() == 1u);
  return !r[0].reject;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(safety)

BOOST_AUTO_TEST_CASE(voter_denies_vote_to_candidate_whose_log_is_less_up_to_date) {
  // §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the
  // candidate": later last term wins; with equal last terms, the longer log wins.
  {
    LoneNode n = with_log({2, 2, 3});  // last (6, term 3)
    BOOST_TEST(!granted(n, 5, 100, 2, 2));  // longer log, older last term
  }
  {
    LoneNode n = with_log({2, 2, 3});
    BOOST_TEST(!granted(n, 5, 5, 3, 2));  // same last term, shorter
  }
  {
    LoneNode n = with_log({2, 2, 3});
    BOOST_TEST(granted(n, 5, 6, 3, 2));  // same last term, same length
  }
  {
    LoneNode n = with_log({2, 2, 3});
    BOOST_TEST(granted(n, 5, 4, 4, 2));  // shorter but later last term
  }
}

BOOST_AUTO_TEST_CASE(leader_does_not_commit_previous_term_entries_by_counting_replicas) {
  // §5.4.2 (Figure 8): "Raft never commits log entries from previous terms by counting
  // replicas. Only log entries from the leader's current term are committed by counting."
  LoneNode n = with_log({2, 2});  // 4, 5 at term 2, commit 3
  BOOST_TEST(n.node->status().commit == 3u);
  n.node->campaign();  // term 3
  auto votes = of_type(n.drain(), MessageType::kVote);
  BOOST_REQUIRE(!votes.empty());
  std::uint64_t term = votes[0].term;
  Message vr = msg(MessageType::kVoteResp, 2, 1, term);
  n.step(vr);
  BOOST_REQUIRE(n.node->status().role == Role::kLeader);  // appended its no-op at 6
  Message ack = msg(MessageType::kAppResp, 2, 1, term);
  ack.index = 5;  // node 2 holds the term-2 entries 4 and 5: a majority of 3 has them
  n.step(ack);
  BOOST_TEST(n.node->status().commit == 3u);  // but they are not committed by counting
  ack.index = 6;  // node 2 holds the current-term no-op as well
  n.step(ack);
  BOOST_TEST(n.node->status().commit == 6u);  // now 4, 5 and 6 commit together
}

BOOST_AUTO_TEST_CASE(elected_leader_holds_every_committed_entry) {
  // §5.4 Leader Completeness: nodes 4 and 5 missed the committed entries, so neither can win.
  SimCluster c(ClusterOptions{.size = 5});
  c.campaign(1);
  c.deliver_all();
  c.isolate(4);
  c.isolate(5);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(c.propose(1, "c" + std::to_string(i)).is_ok());
  c.deliver_all();
  std::uint64_t committed = c.raw(1).status().commit;
  c.crash(1);
  c.heal();
  for (int round = 0; round < 10; ++round) {
    c.campaign(4);  // nodes 4 and 5 try hard
    c.campaign(5);
    c.settle(3);
  }
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  BOOST_TEST((l == 2u || l == 3u));
  BOOST_TEST(c.node(l).storage->last_index() >= committed);
}

BOOST_AUTO_TEST_CASE(state_machines_apply_the_same_entries_in_the_same_order) {
  // §5.4.3 State Machine Safety, across a leader crash and restart.
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(c.propose(1, "a" + std::to_string(i)).is_ok());
  c.deliver_all();
  c.crash(1);
  NodeId l = c.wait_for_leader();
  BOOST_REQUIRE(l != kNoNode);
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(c.propose(l, "b" + std::to_string(i)).is_ok());
  c.restart(1);
  c.settle(20);
  const auto& ref = c.node(l).applied_data;
  BOOST_TEST(ref.size() == 20u);
  for (NodeId id : {1, 2, 3}) {
    const auto& d = c.node(id).applied_data;
    // Node 1 re-applies from its (empty) snapshot after the restart: it holds a full history.
    BOOST_TEST((std::vector<std::string>(d.end() - 20, d.end()) == ref));
    BOOST_TEST(c.node(id).hash == c.node(l).hash);
  }
}

BOOST_AUTO_TEST_CASE(committed_entries_survive_a_whole_cluster_restart) {
  SimCluster c(ClusterOptions{});
  c.campaign(1);
  c.deliver_all();
  BOOST_REQUIRE(c.propose(1, "durable").is_ok());
  c.deliver_all();
  for (NodeId id : {1, 2, 3}) c.crash(id);
  for (NodeId id : {1, 2, 3}) c.restart(id);
  for (NodeId id : {1, 2, 3}) {
    const auto& d = c.node(id).applied_data;
    BOOST_TEST(std::count(d.begin(), d.end(), "durable") >= 1);
  }
  NodeId l = c.wait_for_leader();
  BOOST_TEST(l != kNoNode);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(invariant_checker)

BOOST_AUTO_TEST_CASE(detects_two_leaders_in_one_term) {
  InvariantChecker ch;
  MemoryStorage log;
  ch.on_leader(1, 5, log);
  BOOST_CHECK_THROW(ch.on_leader(2, 5, log), InvariantViolation);
  BOOST_CHECK_NO_THROW(ch.on_leader(2, 6, log));
}

BOOST_AUTO_TEST_CASE(detects_log_matching_violation) {
  InvariantChecker ch;
  ch.on_persist(1, Entry{2, 7, EntryType::kNormal, "x"}, 2);
  BOOST_CHECK_NO_THROW(ch.on_persist(2, Entry{2, 7, EntryType::kNormal, "x"}, 2));
  BOOST_CHECK_THROW(ch.on_persist(3, Entry{2, 7, EntryType::kNormal, "y"}, 2), InvariantViolation);
  BOOST_CHECK_THROW(ch.on_persist(3, Entry{2, 7, EntryType::kNormal, "x"}, 1), InvariantViolation);
}

BOOST_AUTO_TEST_CASE(detects_decreasing_commit_index) {
  InvariantChecker ch;
  ch.on_hard_state(1, HardState{1, 1, 10});
  BOOST_CHECK_THROW(ch.on_hard_state(1, HardState{1, 1, 9}), InvariantViolation);
}

BOOST_AUTO_TEST_CASE(detects_changed_committed_entry_and_diverging_state_machines) {
  InvariantChecker ch;
  ch.on_apply(1, Entry{1, 1, EntryType::kNormal, "a"}, 100);
  BOOST_CHECK_THROW(ch.on_apply(2, Entry{2, 1, EntryType::kNormal, "a"}, 100), InvariantViolation);
  InvariantChecker ch2;
  ch2.on_apply(1, Entry{1, 1, EntryType::kNormal, "a"}, 100);
  BOOST_CHECK_THROW(ch2.on_apply(2, Entry{1, 1, EntryType::kNormal, "a"}, 101), InvariantViolation);
}

BOOST_AUTO_TEST_CASE(detects_leader_missing_a_committed_entry) {
  InvariantChecker ch;
  MemoryStorage leader_log;
  BOOST_REQUIRE(leader_log.append({Entry{1, 1, EntryType::kNormal, "a"}}).is_ok());
  ch.on_leader_commit(1, 1, 1, leader_log);
  MemoryStorage empty;
  BOOST_CHECK_THROW(ch.on_leader(2, 2, empty), InvariantViolation);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
