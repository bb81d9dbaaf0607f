// The dashboard's replication status body (server/http/raft_status_json.hpp): its fields in
// order, ids in hex, each follower's lag from the same copy's last index, and an empty follower
// list on a member that does not lead.
#include "server/http/raft_status_json.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using coord::http::append_raft_status_json;
using coord::http::follower_lag;
using coord::node::ReplicationStatus;
using coord::raft::ProgressState;

BOOST_AUTO_TEST_SUITE(raft_status_json)

BOOST_AUTO_TEST_CASE(a_leader_lists_each_follower_with_its_lag) {
  ReplicationStatus v;
  v.term = 3;
  v.commit = 118;
  v.last_index = 120;
  v.followers = {{0x2a, 120, 121, ProgressState::kReplicate}, {0xbeef, 17, 18, ProgressState::kProbe},
                 {0xc0de, 0, 121, ProgressState::kSnapshot}};
  std::string out;
  append_raft_status_json(out, 0x8e9e05c52164694d, 0x8e9e05c52164694d, v);
  BOOST_TEST(out ==
             R"({"id":"8e9e05c52164694d","leader":"8e9e05c52164694d","term":3,"commitIndex":118,"lastIndex":120,)"
             R"("followers":[{"id":"2a","matchIndex":120,"nextIndex":121,"state":"replicate","lag":0},)"
             R"({"id":"beef","matchIndex":17,"nextIndex":18,"state":"probe","lag":103},)"
             R"({"id":"c0de","matchIndex":0,"nextIndex":121,"state":"snapshot","lag":120}]})");
}

BOOST_AUTO_TEST_CASE(a_member_that_does_not_lead_has_no_followers) {
  ReplicationStatus v;
  v.term = 7;
  v.commit = 5;
  v.last_index = 6;
  std::string out = "prefix:";
  append_raft_status_json(out, 1, 0 /* no leader known */, v);
  BOOST_TEST(out == R"(prefix:{"id":"1","leader":"0","term":7,"commitIndex":5,"lastIndex":6,"followers":[]})");
}

BOOST_AUTO_TEST_CASE(lag__is_never_negative) {
  BOOST_TEST(follower_lag(10, 4) == 6u);
  BOOST_TEST(follower_lag(10, 10) == 0u);
  BOOST_TEST(follower_lag(10, 12) == 0u);  // a match newer than the copied last index
  BOOST_TEST(follower_lag(0, 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
