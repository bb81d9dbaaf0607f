// Raft paper §5.3 (log replication), plus flow control (probe/replicate, in-flight window,
// byte cap, fast back-off) and proposal forwarding.
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

bool applied(SimCluster& c, NodeId id, const std::string& data) {
  const auto& d = c.node(id).applied_data;
  return std::find(d.begin(), d.end(), data) != d.end();
}

NodeId elect(SimCluster& c, NodeId id) {
  c.campaign(id);
  c.deliver_all();
  BOOST_REQUIRE(c.leader() == id);
  return id;
}

// After the old leader was cut off: ticks until one of the others leads (their leader lease
// from the old leader must run out first).
NodeId elect_other(SimCluster& c, NodeId old) {
  for (int i = 0; i < 100; ++i) {
    c.settle(1);
    NodeId l = c.leader();
    if (l != kNoNode && l != old) return l;
  }
  BOOST_FAIL("no new leader");
  return kNoNode;
}

// A follower (node 1 of {1,2,3}) whose log holds `terms` after the bootstrap entries 1..3.
LoneNode follower_with_log(const std::vector<std::uint64_t>& terms) {
  LoneNode n(1, {1, 2, 3});
  std::uint64_t term = terms.empty() ? 1 : terms.back();
  Message app = msg(MessageType::kApp, 2, 1, term);
  app.index = 3;
  app.log_term = 1;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    Entry e;
    e.term = terms[i];
    e.index = 4 + i;
    e.data = "e" + std::to_string(4 + i);
    app.entries.push_back(e);
  }
  auto out = n.step(app);
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replication)

BOOST_AUTO_TEST_CASE(leader_appends_command_and_every_follower_applies_it) {
  // §5.3: the leader appends the command to its log, issues AppendEntries in parallel, and
  // once the entry is committed every state machine applies it.
  SimCluster c(ClusterOptions{});
  NodeId l = elect(c, 1);
  BOOST_REQUIRE(c.propose(l, "x=1").is_ok());
  c.deliver_all();
  c.settle(2);
  for (NodeId id : {1, 2, 3}) BOOST_TEST(applied(c, id, "x=1"));
}

BOOST_AUTO_TEST_CASE(entry_is_committed_once_replicated_on_a_majority) {
  // §5.3: "A log entry is committed once the leader that created the entry has replicated it
  // on a majority of the servers."
  SimCluster c(ClusterOptions{.size = 5});
  NodeId l = elect(c, 1);
  c.cut(1, 4);
  c.cut(1, 5);
  BOOST_REQUIRE(c.propose(l, "majority").is_ok());
  c.deliver_all();
  BOOST_TEST(applied(c, 1, "majority"));  // 3 of 5 hold it
  c.cut(1, 3);
  BOOST_REQUIRE(c.propose(l, "minority").is_ok());
  c.deliver_all();
  BOOST_TEST(!applied(c, 1, "minority"));  // only 2 of 5 hold it
  c.heal();
  c.settle(2);
  BOOST_TEST(applied(c, 1, "minority"));
}

BOOST_AUTO_TEST_CASE(committing_an_entry_commits_all_preceding_entries) {
  // §5.3: committing an entry also commits all preceding entries in the leader's log.
  SimCluster c(ClusterOptions{});
  NodeId l = elect(c, 1);
  c.isolate(1);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(c.propose(l, "p" + std::to_string(i)).is_ok());
  BOOST_TEST(c.raw(1).status().commit < c.node(1).storage->last_index());
  c.heal();
  BOOST_REQUIRE(c.propose(l, "last").is_ok());
  c.deliver_all();
  for (int i = 0; i < 5; ++i) BOOST_TEST(applied(c, 1, "p" + std::to_string(i)));
  BOOST_TEST(c.raw(1).status().commit == c.node(1).storage->last_index());
}

BOOST_AUTO_TEST_CASE(followers_learn_the_commit_index_from_heartbeats) {
  // §5.3: the leader includes the highest committed index in future AppendEntries RPCs
  // (including heartbeats) so followers find out and apply.
  LoneNode n = follower_with_log({2, 2});
  BOOST_TEST(n.node->status().commit == 3u);
  Message hb = msg(MessageType::kHeartbeat, 2, 1, 2);
  hb.commit = 5;
  auto out = n.step(hb);
  BOOST_TEST(n.node->status().commit == 5u);
  BOOST_TEST(n.committed.back().index == 5u);
  BOOST_TEST(of_type(out, MessageType::kHeartbeatResp).size() == 1u);
}

BOOST_AUTO_TEST_CASE(follower_rejects_append_whose_previous_entry_does_not_match) {
  // §5.3 consistency check: "If the follower does not find an entry in its log with the same
  // index and term, then it refuses the new entries."
  LoneNode n = follower_with_log({2, 2, 2});  // indexes 4..6 at term 2
  Message app = msg(MessageType::kApp, 2, 1, 4);
  app.index = 6;
  app.log_term = 3;  // the leader has term 3 at index 6
  Entry e;
  e.term = 4;
  e.index = 7;
  app.entries.push_back(e);
  auto resp = of_type(n.step(app), MessageType::kAppResp);
  BOOST_REQUIRE(resp.size() == 1u);
  BOOST_TEST(resp[0].reject);
  BOOST_TEST(resp[0].index == 6u);
  // Hint: our last entry with term <= 3 is index 6 (term 2): the leader can skip there.
  BOOST_TEST(resp[0].reject_hint == 6u);
  BOOST_TEST(resp[0].log_term == 2u);
  BOOST_TEST(n.storage.last_index() == 6u);
}

BOOST_AUTO_TEST_CASE(follower_hint_skips_a_whole_conflicting_term) {
  LoneNode n = follower_with_log({2, 3, 3, 3, 3});  // 4:t2, 5..8:t3
  Message app = msg(MessageType::kApp, 2, 1, 5);
  app.index = 8;
  app.log_term = 2;  // the leader's entry 8 has term 2
  auto resp = of_type(n.step(app), MessageType::kAppResp);
  BOOST_REQUIRE(resp.size() == 1u);
  BOOST_TEST(resp[0].reject);
  BOOST_TEST(resp[0].reject_hint == 4u);  // skips all of term 3 in one round trip
  BOOST_TEST(resp[0].log_term == 2u);
}

BOOST_AUTO_TEST_CASE(leader_forces_followers_to_duplicate_its_log) {
  // §5.3: "conflicting entries in follower logs will be overwritten with entries from the
  // leader's log."
  SimCluster c(ClusterOptions{});
  elect(c, 1);
  c.isolate(1);
  for (int i = 0; i < 3; ++i) BOOST_REQUIRE(c.propose(1, "lost" + std::to_string(i)).is_ok());
  NodeId l2 = elect_other(c, 1);
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(c.propose(l2, "kept" + std::to_string(i)).is_ok());
  c.deliver_all();
  c.heal();
  c.settle(30);
  const auto& a = *c.node(1).storage;
  const auto& b = *c.node(2).storage;
  BOOST_REQUIRE(a.last_index() == b.last_index());
  auto ea = a.entries(a.first_index(), a.last_index() + 1, ~0ull);
  auto eb = b.entries(b.first_index(), b.last_index() + 1, ~0ull);
  BOOST_TEST((ea.value() == eb.value()));
  BOOST_TEST(!applied(c, 1, "lost0"));
  BOOST_TEST(applied(c, 1, "kept4"));
}

BOOST_AUTO_TEST_CASE(fast_backoff_resolves_a_long_conflict_in_few_round_trips) {
  SimCluster c(ClusterOptions{});
  elect(c, 1);
  c.isolate(1);
  for (int i = 0; i < 300; ++i) BOOST_REQUIRE(c.propose(1, "stale").is_ok());
  NodeId l2 = elect_other(c, 1);
  for (int i = 0; i < 300; ++i) BOOST_REQUIRE(c.propose(l2, "fresh").is_ok());
  c.deliver_all();
  // A leader elected now starts probing node 1 at the end of the fresh entries, deep inside
  // the conflicting range.
  NodeId l3 = 5 - l2;
  c.transfer_leadership(l2, l3);
  c.deliver_all();
  BOOST_REQUIRE(c.leader() == l3);
  int rejections = 0;
  c.filter = [&](const Message& m) {
    if (m.type == MessageType::kAppResp && m.reject && m.from == 1) ++rejections;
    return true;
  };
  c.heal();
  c.settle(5);
  BOOST_TEST(rejections >= 1);
  BOOST_TEST(rejections <= 3);  // not one per conflicting entry
  BOOST_TEST(c.node(1).storage->last_index() == c.node(2).storage->last_index());
}

BOOST_AUTO_TEST_CASE(pipelined_appends_stop_at_the_inflight_window) {
  SimCluster c(ClusterOptions{.max_inflight_msgs = 4});
  elect(c, 1);
  int apps_to_2 = 0;
  c.filter = [&](const Message& m) {
    if (m.type == MessageType::kApp && m.to == 2 && !m.entries.empty()) ++apps_to_2;
    return !(m.type == MessageType::kAppResp && m.from == 2);  // node 2 never acknowledges
  };
  for (int i = 0; i < 20; ++i) {
    BOOST_REQUIRE(c.propose(1, "p" + std::to_string(i)).is_ok());
    c.deliver_all();
  }
  BOOST_TEST(apps_to_2 == 4);
  BOOST_TEST(c.raw(1).status().progress.at(2).state == ProgressState::kReplicate);
  // Node 3 kept acknowledging, so everything committed anyway.
  BOOST_TEST(applied(c, 1, "p19"));
}

BOOST_AUTO_TEST_CASE(append_messages_respect_the_byte_cap) {
  SimCluster c(ClusterOptions{.max_size_per_msg = 1000});
  elect(c, 1);
  c.isolate(3);
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(c.propose(1, std::string(400, 'a' + i)).is_ok());
  c.deliver_all();
  std::size_t max_entries = 0, apps = 0;
  c.filter = [&](const Message& m) {
    if (m.type == MessageType::kApp && m.to == 3 && !m.entries.empty()) {
      max_entries = std::max(max_entries, m.entries.size());
      ++apps;
    }
    return true;
  };
  c.heal();
  c.settle(5);
  BOOST_TEST(max_entries == 2u);  // 2 x 400 fits in 1000 bytes, 3 x 400 does not
  BOOST_TEST(apps >= 5u);
  BOOST_TEST(applied(c, 3, std::string(400, 'a' + 9)));
}

BOOST_AUTO_TEST_CASE(lagging_follower_is_probed_then_replicated) {
  SimCluster c(ClusterOptions{});
  elect(c, 1);
  BOOST_TEST(c.raw(1).status().progress.at(2).state == ProgressState::kReplicate);
  c.raw(1).report_unreachable(2);
  BOOST_TEST(c.raw(1).status().progress.at(2).state == ProgressState::kProbe);
  BOOST_REQUIRE(c.propose(1, "again").is_ok());
  c.deliver_all();
  BOOST_TEST(c.raw(1).status().progress.at(2).state == ProgressState::kReplicate);
  c.settle(1);
  BOOST_TEST(applied(c, 2, "again"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(proposal)

BOOST_AUTO_TEST_CASE(at_a_follower_is_forwarded_to_the_leader) {
  SimCluster c(ClusterOptions{});
  elect(c, 1);
  BOOST_REQUIRE(c.propose(3, "from-follower").is_ok());
  c.deliver_all();
  c.settle(1);
  for (NodeId id : {1, 2, 3}) BOOST_TEST(applied(c, id, "from-follower"));
}

BOOST_AUTO_TEST_CASE(without_a_known_leader_fails_with_unavailable) {
  LoneNode n(1, {1, 2, 3});
  Status s = n.node->propose("x");
  BOOST_TEST(!s.is_ok());
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST(s.message().find("no leader") != std::string::npos);
  n.node->campaign();  // candidate: still no leader
  Status s2 = n.node->propose("y");
  BOOST_TEST((s2.code() == StatusCode::kUnavailable));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
