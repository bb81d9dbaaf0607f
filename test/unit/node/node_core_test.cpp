// NodeCore driven by hand, one round at a time on a manual clock: what only a crash at an exact
// point shows (before the first round), the reconfiguration checks of a member that runs alone
// among members that never started, and the warning about a slow apply.
#include "server/node/node_core.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "server/common/file_mem.hpp"
#include "server/common/log.hpp"
#include "test/support/file/read_file.hpp"
#include "test/support/file/scratch_dir.hpp"
#include "test/unit/node/manual_core.hpp"

namespace coord::node {
namespace {

using namespace test_core;

// Member 1 of a 3-member cluster whose other members (2 and 3) are never started here.
NodeOptions first_of_three() {
  NodeOptions o = one_member(1);
  o.initial_members.push_back(MemberSpec{2, "two", {"http://127.0.0.1:3"}});
  o.initial_members.push_back(MemberSpec{3, "three", {"http://127.0.0.1:4"}});
  return o;
}

// The server's log goes to a file (capnslog text lines, info and up) while this lives; the default
// configuration is restored after.
struct LogToFile {
  test::ScratchDir dir;
  const std::string path = dir / "coordd.log";
  LogToFile() { BOOST_REQUIRE(log::configure({log::Format::kCapnslog, log::Level::kInfo, {path}}).is_ok()); }
  ~LogToFile() { (void)log::configure({}); }
};

BOOST_AUTO_TEST_SUITE(node_core)

// Fault: the member crashes after creating its WAL and before its first round made the bootstrap
// entries durable. What must hold: on restart it bootstraps as a new member (it promised nothing)
// and serves, instead of waiting forever as a member of no configuration.
BOOST_AUTO_TEST_CASE(a_crash_before_the_bootstrap_is_durable_restarts_as_new) {
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  {
    NodeCore core(one_member(1), fs, clock, signals);
    BOOST_REQUIRE(core.open(nullptr).is_ok());
    fs.drop_unsynced();  // no round ran: the WAL exists, the bootstrap entries are gone
  }
  BOOST_TEST(fs.exists("/data/member/wal"));
  NodeCore core(one_member(1), fs, clock, signals);
  BOOST_REQUIRE(core.open(nullptr).is_ok());
  BOOST_TEST(run_until_ready(core, clock, 50));
  BOOST_TEST(core.is_leader());
  BOOST_TEST(core.members().size() == 1u);
}

// A restarted single member (no snapshot yet) learns that it is the only voter when it applies
// its bootstrap entries again in its first round. What must hold: it leads at once, well within
// one election timeout (election_ticks rounds), as a new single member does.
BOOST_AUTO_TEST_CASE(a_restarted_single_member_leads_without_waiting_an_election_timeout) {
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  const NodeOptions options = one_member(1);
  {
    NodeCore core(options, fs, clock, signals);
    BOOST_REQUIRE(core.open(nullptr).is_ok());
    BOOST_REQUIRE(run_until_ready(core, clock, 50));
  }
  NodeCore core(options, fs, clock, signals);
  BOOST_REQUIRE(core.open(nullptr).is_ok());
  BOOST_TEST(run_until_ready(core, clock, options.election_ticks / 2));
  BOOST_TEST(core.is_leader());
}

// Member 1 of a 3-member cluster whose other members never start: the bootstrap makes all three
// members, none published (started). An add would need 3 started members of 4, a removal 2
// connected ones of 2. What must hold: --strict-reconfig-check (the default) refuses both with
// etcd's error before anything is proposed; without it both are prepared, as in etcd.
BOOST_AUTO_TEST_CASE(strict_reconfig_check_refuses_what_could_cost_the_quorum_and_off_skips_it) {
  for (const bool strict : {true, false}) {
    MemFileSystem fs;
    ManualClock clock;
    NoSignals signals;
    NodeOptions o = first_of_three();
    o.strict_reconfig_check = strict;
    NodeCore core(o, fs, clock, signals);
    BOOST_REQUIRE(core.open(nullptr).is_ok());
    NodeCore::Inbox in;
    BOOST_REQUIRE(core.run_round(in));
    BOOST_TEST_REQUIRE(core.members().size() == 3u);
    int answered = 0;
    Status answer;
    NodeCore::MemberCallback done = [&](Status s, store::Member) {
      ++answered;
      answer = std::move(s);
    };
    const auto add = core.prepare_add_member({"http://127.0.0.1:5"}, done);
    const auto remove = core.prepare_remove_member(3, done);
    if (strict) {
      BOOST_TEST(!add.has_value());
      BOOST_TEST(!remove.has_value());
      BOOST_TEST(answered == 2);
      BOOST_TEST(answer.message() == "etcdserver: re-configuration failed due to not enough started members");
    } else {
      BOOST_TEST_REQUIRE(add.has_value());
      BOOST_TEST((add->change.type == raft::ConfChangeType::kAddNode));
      BOOST_TEST_REQUIRE(remove.has_value());
      BOOST_TEST((remove->change.type == raft::ConfChangeType::kRemoveNode));
      BOOST_TEST(remove->change.node_id == 3u);
      BOOST_TEST(answered == 0);
    }
  }
}

// A member of 3 whose peers never start has no leader. What must hold: a quorum read is refused
// by Raft at once (etcd_server_read_indexes_failed_total) and answered "request timed out" once
// the request timeout has passed (etcd_server_slow_read_indexes_total), as etcd counts them.
BOOST_AUTO_TEST_CASE(a_read_without_a_leader_counts_as_failed_then_as_slow_once_timed_out) {
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  NodeOptions o = first_of_three();
  NodeCore core(o, fs, clock, signals);
  BOOST_REQUIRE(core.open(nullptr).is_ok());
  std::optional<Status> answer;
  NodeCore::Inbox in;
  in.reads.push_back([&](Status s) { answer = std::move(s); });
  BOOST_REQUIRE(core.run_round(in));
  BOOST_TEST(core.metrics().read_indexes_failed.load() == 1u);
  BOOST_TEST(!answer.has_value());
  clock.advance(o.request_timeout - std::chrono::milliseconds(10));
  NodeCore::Inbox none;
  BOOST_REQUIRE(core.run_round(none));
  BOOST_TEST(!answer.has_value());
  BOOST_TEST(core.metrics().slow_read_indexes.load() == 0u);
  clock.advance(std::chrono::milliseconds(20));
  BOOST_REQUIRE(core.run_round(none));
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(answer->message() == "etcdserver: request timed out");
  BOOST_TEST(core.metrics().slow_read_indexes.load() == 1u);
  BOOST_TEST(core.leader() == 0u);
}

// Fault: applying a committed write takes 150 ms (a watcher of its key holds the apply; the
// manual clock moves on by 150 ms while its sink runs). What must hold: the member warns as etcd
// does, "apply entries took too long" with the time taken, the 100 ms expected and the batch's
// entries, in the default text layout, and counts it in etcd_server_slow_apply_total; an apply
// within the bound before it neither warns nor counts.
BOOST_AUTO_TEST_CASE(an_apply_over_100_ms_is_warned_with_its_fields_and_counted) {
  LogToFile logged;
  const std::string& log_path = logged.path;
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  NodeCore core(one_member(1), fs, clock, signals);
  BOOST_REQUIRE(core.open(nullptr).is_ok());
  BOOST_REQUIRE(run_until_ready(core, clock, 50));
  const auto warning = " W | coordd: apply entries took too long, ";

  const auto fast = put(core, clock, "/fast", "v");
  BOOST_REQUIRE(fast);
  BOOST_TEST(fast->response.ok());
  BOOST_TEST(core.metrics().slow_applies.load() == 0u);
  BOOST_TEST(test::read_file(log_path).find(warning) == std::string::npos);

  auto watching = core.watch("/slow", false, false, 0, [&](const store::EventPtr&) {
    clock.advance(std::chrono::milliseconds(150));
    return false;  // once
  });
  BOOST_REQUIRE(watching.ok());
  const auto slow = put(core, clock, "/slow", "v");
  BOOST_REQUIRE(slow);
  BOOST_TEST(slow->response.ok());
  BOOST_TEST(core.metrics().slow_applies.load() == 1u);
  const std::string index = std::to_string(slow->raft.index);
  const std::string text = test::read_file(log_path);
  BOOST_TEST(text.find(warning + std::string("took: 150ms, expected-duration: 100ms, entries: 1, first-index: ") + index +
                       ", last-index: " + index + "\n") != std::string::npos,
             text);
}

// Member 1 of three whose peers never answer campaigns after an election timeout, then hears a
// heartbeat from member 2 leading term 100. What must hold: its log says it started a (pre-vote)
// election, that it lost the election and became a follower, and which leader it now follows,
// in etcd's words and fields.
BOOST_AUTO_TEST_CASE(a_candidate_that_hears_a_leader_logs_the_lost_election) {
  LogToFile logged;
  const std::string& log_path = logged.path;
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  NodeOptions o = first_of_three();
  NodeCore core(o, fs, clock, signals);
  BOOST_REQUIRE(core.open(nullptr).is_ok());
  const std::string started = " I | coordd: starting a ";
  for (int i = 0; i < 10 * o.election_ticks && test::read_file(log_path).find(started) == std::string::npos; ++i) {
    NodeCore::Inbox in;
    BOOST_REQUIRE(core.run_round(in));
    clock.advance(o.tick_interval);
  }
  BOOST_TEST_REQUIRE(test::read_file(log_path).find(started) != std::string::npos, test::read_file(log_path));

  NodeCore::Inbox in;
  raft::Message heartbeat;
  heartbeat.type = raft::MessageType::kHeartbeat;
  heartbeat.from = 2;
  heartbeat.to = 1;
  heartbeat.term = 100;
  in.messages.push_back(heartbeat);
  BOOST_REQUIRE(core.run_round(in));
  const std::string text = test::read_file(log_path);
  BOOST_TEST(text.find(" I | coordd: lost election: became follower, local-member-id: 0000000000000001, term: 100\n") !=
                 std::string::npos,
             text);
  BOOST_TEST(text.find(" I | coordd: elected leader, local-member-id: 0000000000000001, leader-id: 0000000000000002, "
                       "term: 100\n") != std::string::npos,
             text);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace coord::node
