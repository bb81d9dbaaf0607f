// Crashes in the middle of a membership change: a member dies (failpoint conf_before_apply,
// server/common/failpoint.hpp) after a conf change committed but before it applied it, once
// during a member add and once during a member remove, and restarts on its data. Four recorded
// clients run throughout; the case states its fault and what must hold, and also requires
// progress in each phase and a linearizable history (fault_fixture.hpp).
//
// CI subset: every case here.
#include "test/fault/fault_fixture.hpp"

#include <sys/wait.h>

using namespace coord::test;
using namespace coord::test::fault;

BOOST_AUTO_TEST_SUITE(conf_change_fault)

// Fault: a member is added (it never starts: the cluster has 4 voters, 3 running) and follower 2
// crashes before applying the add; it restarts. Then that member is removed and the leader
// (member 0) crashes before applying the removal, so its client gets no answer; it restarts.
// Member 0 leads because its election timeout is the shortest. Each crash passes the 3 bootstrap
// conf changes of the member's first start (member 0 also the add) and fires at the next one.
// --strict-reconfig-check=false spares the 5 s of connection the check wants before a change
// (this case is about applying a change, not about admitting it).
// Must hold: after each restart every member serves the same membership (the add: 4 members;
// the remove: the original 3), no acknowledged write is lost and the cluster serves again.
BOOST_AUTO_TEST_CASE(crash_before_applying_a_member_add_and_a_remove__membership_agrees_after_restart) {
  auto options = fault_options();
  options.extra_args = {"--strict-reconfig-check=false"};
  options.member_args = {{}, {"--election-timeout=2500"}, {"--election-timeout=2500"}};
  options.member_env = {{"COORD_FAILPOINTS=conf_before_apply=crash@4"}, {}, {"COORD_FAILPOINTS=conf_before_apply=crash@3"}};
  FaultCluster f(3, options);
  BOOST_REQUIRE_MESSAGE((f.leader_among(f.everyone()) == std::optional<int>(0)),
                        "member 0 (shortest election timeout) was not elected first");
  const auto original = membership(f.cluster, 0);
  BOOST_TEST_REQUIRE(original.has_value());
  BOOST_TEST_REQUIRE(ids_of(*original).size() == 3u);
  history::HistoryRecorder recorder(f.cluster, 4, kKeys);
  recorder.start();
  bool ok = recorder.progress("before the fault", 60);

  // The add: answered by the leader (a commit needs 2 of the 3 old voters), while member 2 dies.
  const std::string peer = "http://127.0.0.1:" + std::to_string(free_port());
  const auto added = json_request(f.cluster.client_url(0), "POST", "/v2/members", R"({"peerURLs":[")" + peer + R"("]})");
  BOOST_TEST_REQUIRE(added.has_value(), "no answer to the add");
  BOOST_TEST_REQUIRE(added->status == 201, added->body);
  const std::string new_id(boost::json::parse(added->body).at("id").as_string());
  auto status = f.cluster.wait_exit(2, 20s);
  BOOST_TEST_REQUIRE(status.has_value(), "member 2 did not crash before applying the add");
  BOOST_TEST((WIFEXITED(*status) && WEXITSTATUS(*status) == 86));
  BOOST_TEST(f.cluster.log_tail(2).find("coordd: failpoint conf_before_apply: crash") != std::string::npos);
  f.cluster.set_member_env(2, {});
  BOOST_REQUIRE_MESSAGE(f.cluster.restart(2), f.cluster.last_error());
  auto with_new = ids_of(*original);
  with_new.push_back(new_id);
  std::sort(with_new.begin(), with_new.end());
  BOOST_TEST(same_membership_everywhere(f.cluster, f.everyone(), with_new), "the members disagree after the add");
  ok = ok && recorder.progress("member 2 restarted after the add", 40);

  // The remove: the leader dies before applying it, so it never answers.
  const auto removed = json_request(f.cluster.client_url(0), "DELETE", "/v2/members/" + new_id);
  BOOST_TEST(!removed.has_value(), "the leader answered a removal it cannot have applied: " << removed->status);
  status = f.cluster.wait_exit(0, 20s);
  BOOST_TEST_REQUIRE(status.has_value(), "member 0 did not crash before applying the remove");
  BOOST_TEST((WIFEXITED(*status) && WEXITSTATUS(*status) == 86));
  BOOST_TEST(f.cluster.log_tail(0).find("coordd: failpoint conf_before_apply: crash") != std::string::npos);
  // With 2 of 4 voters up nothing commits: the restart is what lets the removal apply.
  f.cluster.set_member_env(0, {});
  BOOST_REQUIRE_MESSAGE(f.cluster.restart(0), f.cluster.last_error());
  BOOST_TEST(same_membership_everywhere(f.cluster, f.everyone(), ids_of(*original)),
             "the members disagree after the remove");
  ok = ok && recorder.progress("member 0 restarted after the remove", 40);
  require_linearizable(recorder, f, ok, f.everyone());
  require_same_listing(f.cluster, f.everyone());
}

BOOST_AUTO_TEST_SUITE_END()
