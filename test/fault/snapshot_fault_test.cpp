// Faults around a member that can only catch up by snapshot: it was down (or frozen) while the
// others wrote past --snapshot-count and compacted their logs, so the leader has to send it a
// snapshot. Received snapshots are witnessed through the failpoint snap_before_apply set to a
// 1 ms stall (server/common/failpoint.hpp): it prints a line each time one is installed. Four
// recorded clients run throughout; each case states its fault and what must hold, and also
// requires progress in each phase and a linearizable history (fault_fixture.hpp).
//
// CI subset: every case here.
#include "test/fault/fault_fixture.hpp"

#include <sys/wait.h>

using namespace coord::test;
using namespace coord::test::fault;

namespace {

const std::string kSnapshotInstalled = "coordd: failpoint snap_before_apply: stall 1 ms";
const std::string kWitness = "COORD_FAILPOINTS=snap_before_apply=stall:1";

// Small snapshots and compactions: 50 entries between snapshots, 50 kept after one.
ClusterOptions snapshot_options() {
  auto options = fault_options();
  options.extra_args = {"--snapshot-count=50"};
  return options;
}

// Stops `member` the way a paused machine whose network went too is stopped: SIGSTOP, and its
// peer links refused both ways. (Frozen alone it would not fall behind the compaction: the
// leader's appends, sent ahead without waiting for answers, wait in the socket buffers for it.)
void stop_cut_off(FaultCluster& f, int member) {
  f.relays().isolate(member, Cut::kClose);
  f.cluster.freeze(member);
}

void bring_back(FaultCluster& f, int member) {
  f.relays().heal_all();
  f.cluster.thaw(member);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot_fault)

// Fault: member 1 is stopped (frozen, its links cut: see stop_cut_off); while it is, the others
// write past two snapshots; then it comes back and the leader (member 0, shortest election
// timeout) sends it a snapshot, and is killed (failpoint snap_send_midway: crash) with the
// message and half the file of it sent. Member 2 takes over and the old leader restarts without the
// failpoint. Must hold: the half snapshot is never installed (member 1 does not crash), member 1
// catches up by a whole snapshot and serves the same keys as the others (quorum gets), no member
// crash-loops, no acknowledged write is lost.
BOOST_AUTO_TEST_CASE(leader_killed_in_the_middle_of_a_snapshot_send__the_follower_catches_up) {
  auto options = snapshot_options();
  options.member_args = {{}, {"--election-timeout=2500"}, {"--election-timeout=2500"}};
  options.member_env = {{"COORD_FAILPOINTS=snap_send_midway=crash"}, {kWitness}, {}};
  FaultCluster f(3, options);
  BOOST_REQUIRE_MESSAGE((f.leader_among(f.everyone()) == std::optional<int>(0)),
                        "member 0 (shortest election timeout) was not elected first");
  stop_cut_off(f, 1);
  history::HistoryRecorder recorder(f.cluster, 4, kKeys);
  recorder.start();
  bool ok = recorder.progress("member 1 stopped, the others past compaction", 300);
  bring_back(f, 1);
  const auto status = f.cluster.wait_exit(0, 20s);
  BOOST_TEST_REQUIRE(status.has_value(), "the leader sent no snapshot (the failpoint never fired)");
  BOOST_TEST((WIFEXITED(*status) && WEXITSTATUS(*status) == 86));
  BOOST_TEST(f.cluster.log_tail(0).find("coordd: failpoint snap_send_midway: crash") != std::string::npos);
  BOOST_TEST(log_shows(f.cluster, 1, kSnapshotInstalled), "member 1 never installed a snapshot from member 2");
  ok = ok && recorder.progress("leader down, member 1 caught up", 40);
  f.cluster.set_member_env(0, {});
  BOOST_REQUIRE_MESSAGE(f.cluster.restart(0), f.cluster.last_error());
  ok = ok && recorder.progress("old leader restarted", 60);
  for (int i : f.everyone()) BOOST_TEST(f.cluster.running(i), "member " << i << " stopped");
  require_linearizable(recorder, f, ok, f.everyone());
  require_same_listing(f.cluster, f.everyone());
}

// Fault: a follower is stopped (frozen, its links cut: see stop_cut_off) while the others write
// past two snapshots and compact their logs; then it comes back: the process keeps its old state
// and the entries it lacks are gone from the leader's log. Must hold: it catches up by a
// snapshot, serves the same keys as the others, and a quorum get through it sees the latest
// write (its X-Etcd-Index is at least the index of a write acknowledged just before).
BOOST_AUTO_TEST_CASE(member_down_past_the_compaction_point__catches_up_by_snapshot) {
  auto options = snapshot_options();
  options.member_env = {{kWitness}, {kWitness}, {kWitness}};
  FaultCluster f(3, options);
  const auto leader = f.leader_among(f.everyone());
  BOOST_REQUIRE(leader);
  const int behind = (*leader + 1) % 3;
  stop_cut_off(f, behind);
  history::HistoryRecorder recorder(f.cluster, 4, kKeys);
  recorder.start();
  bool ok = recorder.progress("member stopped, the others past compaction", 300);
  BOOST_TEST(f.cluster.log_tail(behind, 1 << 20).find(kSnapshotInstalled) == std::string::npos);
  bring_back(f, behind);
  BOOST_TEST(log_shows(f.cluster, behind, kSnapshotInstalled),
             "the member installed no snapshot; its log:\n" << f.cluster.log_tail(behind));
  ok = ok && recorder.progress("back", 60);
  recorder.stop();

  const auto written = json_request(f.cluster.client_url(*leader), "PUT", "/v2/keys/fault/latest?value=last");
  BOOST_TEST_REQUIRE(written.has_value());
  BOOST_TEST_REQUIRE(written->status == 201, written->body);
  const auto write_index = boost::json::parse(written->body).at("node").at("modifiedIndex").as_int64();
  const auto read = json_request(f.cluster.client_url(behind), "GET", "/v2/keys/fault/latest?quorum=true");
  BOOST_TEST_REQUIRE(read.has_value());
  BOOST_TEST_REQUIRE(read->status == 200, read->body);
  BOOST_TEST(std::stoll(read->header("X-Etcd-Index")) >= write_index, read->head);
  BOOST_TEST(boost::json::parse(read->body).at("node").at("value").as_string() == "last");
  BOOST_TEST(boost::json::parse(read->body).at("node").at("modifiedIndex").as_int64() == write_index);

  require_linearizable(recorder, f, ok, f.everyone());
  require_same_listing(f.cluster, f.everyone());
}

BOOST_AUTO_TEST_SUITE_END()
