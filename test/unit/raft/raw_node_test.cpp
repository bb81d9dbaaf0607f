// RawNode's Ready/advance contract and input validation.
#include <boost/test/unit_test.hpp>

#include "server/raft/codec.hpp"
#include "test/support/raft/lone_node.hpp"

namespace coord::raft {
namespace {

using test::LoneNode;
using test::msg;
using test::of_type;

}  // namespace

BOOST_AUTO_TEST_SUITE(raw_node)

BOOST_AUTO_TEST_CASE(ready__hard_state_only_when_changed_and_sync_only_for_term_vote_or_entries) {
  LoneNode n(1, {1, 2, 3});
  BOOST_TEST(!n.node->has_ready());
  // A heartbeat advancing only the commit index: persist it, but no fsync needed.
  Message app = msg(MessageType::kApp, 2, 1, 1);
  app.index = 3;
  app.log_term = 1;
  app.entries = {Entry{1, 4, EntryType::kNormal, "a"}};
  BOOST_REQUIRE(n.node->step(app).is_ok());
  Ready rd = n.node->ready();
  BOOST_TEST(rd.must_sync);  // new entries
  BOOST_TEST(rd.entries.size() == 1u);
  BOOST_TEST(!rd.hard_state.has_value());  // term, vote and commit unchanged
  BOOST_REQUIRE(of_type(rd.messages, MessageType::kAppResp).size() == 1u);
  BOOST_REQUIRE(n.storage.append(rd.entries).is_ok());
  n.node->advance(rd);
  Message hb = msg(MessageType::kHeartbeat, 2, 1, 1);
  hb.commit = 4;
  BOOST_REQUIRE(n.node->step(hb).is_ok());
  Ready rd2 = n.node->ready();
  BOOST_REQUIRE(rd2.hard_state.has_value());
  BOOST_TEST(rd2.hard_state->commit == 4u);
  BOOST_TEST(!rd2.must_sync);
  BOOST_TEST(rd2.committed_entries.size() == 1u);
  n.node->advance(rd2);
  BOOST_TEST(n.node->status().applied == 4u);
  BOOST_TEST(!n.node->has_ready());
}

BOOST_AUTO_TEST_CASE(ready__soft_state_reports_leader_changes) {
  LoneNode n(1, {1});
  n.node->campaign();
  Ready rd = n.node->ready();
  BOOST_REQUIRE(rd.soft_state.has_value());
  BOOST_TEST(rd.soft_state->role == Role::kLeader);
  BOOST_TEST(rd.soft_state->lead == 1u);
  BOOST_TEST(rd.must_sync);  // term and vote changed
  n.node->advance(rd);
  n.node->tick();
  if (n.node->has_ready()) BOOST_TEST(!n.node->ready().soft_state.has_value());
}

BOOST_AUTO_TEST_CASE(step__rejects_local_message_types_and_missing_sender) {
  LoneNode n(1, {1, 2, 3});
  for (MessageType t : {MessageType::kHup, MessageType::kBeat, MessageType::kUnreachable,
                        MessageType::kSnapStatus, MessageType::kCheckQuorum}) {
    BOOST_TEST((n.node->step(msg(t, 2, 1, 0)).code() == StatusCode::kInvalidArgument));
  }
  BOOST_TEST(n.node->status().role == Role::kFollower);
  BOOST_TEST((n.node->step(msg(MessageType::kApp, kNoNode, 1, 1)).code() ==
              StatusCode::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(restart_restores_term_vote_commit_and_replays_unapplied_entries) {
  LoneNode n(1, {1});
  n.node->campaign();
  n.drain();
  BOOST_REQUIRE(n.node->propose("a").is_ok());
  n.drain();
  RaftStatus before = n.node->status();
  // Restart over the same storage, recovered to index 0 (no snapshot).
  Config cfg = n.config;
  RawNode again(cfg);
  RaftStatus after = again.status();
  BOOST_TEST(after.term == before.term);
  BOOST_TEST(after.vote == before.vote);
  BOOST_TEST(after.commit == before.commit);
  BOOST_TEST(after.role == Role::kFollower);
  Ready rd = again.ready();
  BOOST_TEST(rd.committed_entries.size() == before.commit);  // everything re-applied
  BOOST_TEST(!rd.hard_state.has_value());  // nothing new to persist
  BOOST_TEST(again.status().conf_state.voters.empty());  // no snapshot: membership is in the log
  for (const Entry& e : rd.committed_entries) {
    if (e.type == EntryType::kConfChange) again.apply_conf_change(decode_conf_change(e.data).value());
  }
  again.advance(rd);
  for (int i = 0; i < 10; ++i) again.tick();  // its membership came back with the replay
  BOOST_TEST(again.status().role == Role::kLeader);
}

BOOST_AUTO_TEST_CASE(config_validation_names_the_bad_field) {
  MemoryStorage s;
  Config c;
  c.storage = &s;
  BOOST_TEST(!c.validate().is_ok());  // id 0
  c.id = 1;
  BOOST_TEST(c.validate().is_ok());
  c.election_tick = 1;
  BOOST_TEST(c.validate().message().find("election_tick") != std::string::npos);
  c.election_tick = 10;
  c.max_inflight_msgs = 0;
  BOOST_TEST(!c.validate().is_ok());
  c.max_inflight_msgs = 1;
  c.storage = nullptr;
  BOOST_TEST(c.validate().message().find("storage") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
