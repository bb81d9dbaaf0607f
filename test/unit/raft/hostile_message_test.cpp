// Messages no correct member sends, as anyone who reaches the peer port can: each is refused by
// RawNode::step with kInvalidArgument and changes nothing (before these checks several aborted
// the member: a vote at term 0, a heartbeat committing past the log, entries not following).
#include <boost/test/unit_test.hpp>

#include <random>

#include "server/raft/message_check.hpp"
#include "test/support/raft/lone_node.hpp"

namespace coord::raft {
namespace {

using test::LoneNode;
using test::msg;
using test::of_type;

// Node 1 of {1, 2, 3}, follower of 2 at term 2 with entries 1..4 (three bootstrap conf changes
// and "a"), all committed.
LoneNode follower_with_log() {
  LoneNode n(1, {1, 2, 3});
  Message app = msg(MessageType::kApp, 2, 1, 2);
  app.index = 3;
  app.log_term = 1;
  app.commit = 4;
  app.entries = {Entry{2, 4, EntryType::kNormal, "a"}};
  n.step(app);
  BOOST_REQUIRE(n.last_status.is_ok());
  BOOST_REQUIRE(n.node->status().commit == 4u);
  return n;
}

bool refused(const LoneNode& n) { return n.last_status.code() == StatusCode::kInvalidArgument; }

// Term, vote, commit, leader and role of a node: a refused message must change none of them.
struct StateBefore {
  RaftStatus status;
  explicit StateBefore(const LoneNode& n) : status(n.node->status()) {}
  bool same_as(const LoneNode& n) const {
    const RaftStatus now = n.node->status();
    return now.term == status.term && now.vote == status.vote && now.commit == status.commit &&
           now.lead == status.lead && now.role == status.role;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_message)

BOOST_AUTO_TEST_CASE(step__refuses_term_zero_on_everything_but_forwarded_proposals_and_reads) {
  LoneNode n = follower_with_log();
  const StateBefore before(n);
  for (std::uint8_t t = 0; t <= kMaxMessageType; ++t) {
    const auto type = static_cast<MessageType>(t);
    if (type == MessageType::kProp || type == MessageType::kReadIndex) continue;
    Message m = msg(type, 2, 1, 0);
    if (type == MessageType::kSnap) {
      m.snapshot.metadata = {4, 2, {{1, 2, 3}}};
    }
    const auto sent = n.step(m);
    BOOST_TEST(refused(n), to_string(type));
    BOOST_TEST(sent.empty(), to_string(type));
  }
  BOOST_TEST(before.same_as(n));
}

BOOST_AUTO_TEST_CASE(step__refuses_a_vote_request_at_term_zero_that_used_to_abort) {
  LoneNode n(1, {1, 2, 3});
  Message vote = msg(MessageType::kVote, 2, 1, 0);
  vote.index = 100;  // up to date: granted, and answered at term 0, which the vote invariant aborts
  vote.log_term = 9;
  n.step(vote);
  BOOST_TEST(refused(n));
  BOOST_TEST(n.node->status().vote == kNoNode);
  vote.type = MessageType::kPreVote;
  n.step(vote);
  BOOST_TEST(refused(n));
}

BOOST_AUTO_TEST_CASE(step__refuses_forwarded_requests_that_carry_a_term) {
  LoneNode n = follower_with_log();
  const StateBefore before(n);
  Message prop = msg(MessageType::kProp, 2, 1, 99);  // would make us follow term 99
  prop.entries = {Entry{0, 0, EntryType::kNormal, "x"}};
  n.step(prop);
  BOOST_TEST(refused(n));
  n.step(msg(MessageType::kReadIndex, 2, 1, 99));
  BOOST_TEST(refused(n));
  BOOST_TEST(before.same_as(n));
}

BOOST_AUTO_TEST_CASE(step__refuses_a_heartbeat_committing_past_the_log) {
  LoneNode n = follower_with_log();
  const StateBefore before(n);
  Message hb = msg(MessageType::kHeartbeat, 2, 1, 2);
  hb.commit = 1000;  // commit_to() beyond the last index aborts by invariant
  const auto sent = n.step(hb);
  BOOST_TEST(refused(n));
  BOOST_TEST(sent.empty());
  hb.term = 50;  // a higher term changes nothing either: the check comes first
  n.step(hb);
  BOOST_TEST(refused(n));
  BOOST_TEST(before.same_as(n));
  hb.term = 2;
  hb.commit = 4;  // within the log: fine
  n.step(hb);
  BOOST_TEST(n.last_status.is_ok());
}

BOOST_AUTO_TEST_CASE(step__refuses_an_append_whose_entries_do_not_follow_its_index) {
  LoneNode n = follower_with_log();
  const StateBefore before(n);
  Message app = msg(MessageType::kApp, 2, 1, 2);
  app.index = 4;
  app.log_term = 2;
  app.commit = 100;
  app.entries = {Entry{2, 7, EntryType::kNormal, "gap"}};  // 7 does not follow 4
  n.step(app);
  BOOST_TEST(refused(n));
  app.entries = {Entry{2, 5, EntryType::kNormal, "b"}, Entry{2, 5, EntryType::kNormal, "dup"}};
  n.step(app);
  BOOST_TEST(refused(n));
  app.entries = {Entry{2, 2, EntryType::kNormal, "before"}};  // index behind m.index
  n.step(app);
  BOOST_TEST(refused(n));
  app.index = ~std::uint64_t{0};  // the next index would wrap to 0
  app.entries = {Entry{2, 0, EntryType::kNormal, "wrap"}};
  n.step(app);
  BOOST_TEST(refused(n));
  app.index = 4;
  app.entries = {Entry{3, 5, EntryType::kNormal, "future"}};  // entry term after the message's
  n.step(app);
  BOOST_TEST(refused(n));
  app.entries = {Entry{2, 5, EntryType::kNormal, "b"}, Entry{1, 6, EntryType::kNormal, "c"}};  // decreasing
  n.step(app);
  BOOST_TEST(refused(n));
  BOOST_TEST(before.same_as(n));
  BOOST_TEST(n.node->status().commit == 4u);
  // The same append done right is taken, its commit bounded by what it carries.
  app.entries = {Entry{2, 5, EntryType::kNormal, "b"}};
  n.step(app);
  BOOST_TEST(n.last_status.is_ok());
  BOOST_TEST(n.node->status().commit == 5u);
}

BOOST_AUTO_TEST_CASE(step__refuses_a_vote_request_from_a_non_voter_whose_log_is_not_ahead) {
  LoneNode n = follower_with_log();
  const StateBefore before(n);
  Message vote = msg(MessageType::kVote, 77, 1, 9);
  vote.index = 3;  // behind our log (4 at term 2): it could not get our vote, only move our term
  vote.log_term = 1;
  const auto sent = n.step(vote);
  BOOST_TEST(refused(n));
  BOOST_TEST(sent.empty());
  BOOST_TEST(before.same_as(n));  // term not inflated to 9
  vote.from = 3;  // a voter's request goes through (and is rejected on its log)
  n.step(vote);
  BOOST_TEST(n.last_status.is_ok());
  BOOST_TEST(n.node->status().term == 9u);
}

BOOST_AUTO_TEST_CASE(step__answers_a_non_voter_whose_log_is_ahead) {
  // A member behind on the log may not know that the candidate was added; the cluster may need
  // its vote (Raft thesis §4.2.3), so it grants it as to any candidate.
  LoneNode n = follower_with_log();
  Message vote = msg(MessageType::kVote, 77, 1, 9);
  vote.index = 10;
  vote.log_term = 8;
  const auto sent = n.step(vote);
  BOOST_TEST(n.last_status.is_ok());
  const auto answers = of_type(sent, MessageType::kVoteResp);
  BOOST_REQUIRE(answers.size() == 1u);
  BOOST_TEST(!answers[0].reject);
}

BOOST_AUTO_TEST_CASE(check__a_candidate_claims_no_last_term_after_its_campaign) {
  Message vote = msg(MessageType::kPreVote, 2, 1, 5);
  vote.log_term = 6;
  BOOST_TEST(!check_network_message(vote).is_ok());
  vote.log_term = 5;
  BOOST_TEST(check_network_message(vote).is_ok());
}

BOOST_AUTO_TEST_CASE(step__refuses_a_read_index_answer_not_from_the_leader) {
  LoneNode n = follower_with_log();
  Message resp = msg(MessageType::kReadIndexResp, 3, 1, 2);
  resp.index = 4;
  resp.context = "r";
  n.step(resp);
  BOOST_TEST(refused(n));
  BOOST_TEST(n.read_states.empty());
  resp.from = 2;
  n.step(resp);
  BOOST_TEST(n.last_status.is_ok());
  BOOST_TEST(n.read_states.size() == 1u);
}

BOOST_AUTO_TEST_CASE(step__answers_votes_while_it_knows_no_configuration) {
  // A member that joined and has no log yet cannot tell voters from strangers; refusing would
  // keep the cluster that needs its vote leaderless.
  LoneNode n(4, {});
  Message vote = msg(MessageType::kVote, 2, 4, 3);
  vote.index = 10;
  vote.log_term = 3;
  const auto sent = n.step(vote);
  BOOST_TEST(n.last_status.is_ok());
  BOOST_TEST(of_type(sent, MessageType::kVoteResp).size() == 1u);
}

BOOST_AUTO_TEST_CASE(step__refuses_an_append_answer_past_the_leader_log) {
  LoneNode n(1, {1, 2, 3});
  n.node->campaign();
  n.drain();
  n.step(msg(MessageType::kVoteResp, 2, 1, n.node->status().term));
  BOOST_REQUIRE(n.node->status().role == Role::kLeader);
  const std::uint64_t term = n.node->status().term;
  Message resp = msg(MessageType::kAppResp, 2, 1, term);
  resp.index = 1000;  // would move 2's match past our log, and the next append's slice aborts
  n.step(resp);
  BOOST_TEST(refused(n));
  BOOST_TEST(n.node->status().progress.at(2).match < 1000u);
  // Then the regular flow still works.
  BOOST_REQUIRE(n.node->propose("x").is_ok());
  n.drain();
  BOOST_TEST(n.node->status().role == Role::kLeader);
}

BOOST_AUTO_TEST_CASE(step__refuses_timeout_now_not_from_the_leader) {
  LoneNode n = follower_with_log();
  n.step(msg(MessageType::kTimeoutNow, 3, 1, 2));
  BOOST_TEST(refused(n));
  BOOST_TEST(n.node->status().role == Role::kFollower);
  n.step(msg(MessageType::kTimeoutNow, 2, 1, 2));
  BOOST_TEST(n.last_status.is_ok());
  BOOST_TEST(n.node->status().role == Role::kCandidate);
}

BOOST_AUTO_TEST_CASE(check__snapshot_needs_index_term_and_sorted_distinct_voters) {
  Message m = msg(MessageType::kSnap, 2, 1, 5);
  m.snapshot.metadata = {10, 5, {{1, 2, 3}}};
  BOOST_TEST(check_network_message(m).is_ok());
  for (auto voters : std::vector<std::vector<NodeId>>{{}, {0, 1}, {2, 1}, {1, 1, 2}}) {
    m.snapshot.metadata.conf_state.voters = voters;
    BOOST_TEST(!check_network_message(m).is_ok());
  }
  m.snapshot.metadata = {10, 6, {{1, 2, 3}}};  // term after the message's
  BOOST_TEST(!check_network_message(m).is_ok());
  m.snapshot.metadata = {10, 0, {{1, 2, 3}}};
  BOOST_TEST(!check_network_message(m).is_ok());
  Message app = msg(MessageType::kApp, 2, 1, 5);
  app.snapshot.metadata = {10, 5, {{1, 2, 3}}};  // a snapshot on a message that takes none
  BOOST_TEST(!check_network_message(app).is_ok());
  Message hb = msg(MessageType::kHeartbeat, 2, 1, 5);
  hb.entries = {Entry{5, 1, EntryType::kNormal, ""}};
  BOOST_TEST(!check_network_message(hb).is_ok());
  Message prop = msg(MessageType::kProp, 2, 1, 0);
  BOOST_TEST(!check_network_message(prop).is_ok());  // no entries
  prop.entries = {Entry{3, 9, EntryType::kNormal, "x"}};  // the leader assigns term and index
  BOOST_TEST(!check_network_message(prop).is_ok());
}

BOOST_AUTO_TEST_CASE(random_messages_never_abort_a_follower_or_a_leader) {
  // Fields drawn near the real values (terms and indexes around the log) so that many messages
  // pass the stateless checks and reach the state machine. An abort fails the test run.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
      return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    for (int round = 0; round < 40; ++round) {
      LoneNode n = follower_with_log();
      if (round % 2 == 1) {
        n.node->campaign();
        n.drain();
        n.step(msg(MessageType::kVoteResp, 2, 1, n.node->status().term));
      }
      for (int i = 0; i < 200; ++i) {
        Message m = msg(static_cast<MessageType>(pick(0, kMaxMessageType)), pick(1, 4), 1, pick(0, 5));
        m.index = pick(0, 8);
        m.log_term = pick(0, 5);
        m.commit = pick(0, 10);
        m.reject = pick(0, 1) == 1;
        m.reject_hint = pick(0, 8);
        const std::uint64_t ents = pick(0, 3);
        for (std::uint64_t k = 0; k < ents; ++k) {
          const std::uint64_t skip = pick(0, 9) == 0 ? 1 : 0;  // now and then a gap
          m.entries.push_back(Entry{pick(0, 5), m.index + 1 + k + skip, EntryType::kNormal, "e"});
        }
        if (pick(0, 3) == 0) m.snapshot.metadata = {pick(0, 10), pick(0, 5), {{1, 2, 3}}};
        n.step(m);  // refused or taken, it must return
        if (n.node->status().role == Role::kLeader && pick(0, 4) == 0) (void)n.node->propose("p");
        n.drain();
        const RaftStatus st = n.node->status();
        BOOST_REQUIRE_MESSAGE(st.applied <= st.commit, "seed " << seed);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
