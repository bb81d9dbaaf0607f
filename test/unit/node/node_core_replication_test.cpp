// NodeCore::replication(), the copy of the leader's view of its followers that the dashboard
// shows (GET /ui/api/raft): three cores driven by hand on one manual clock (three_cores.hpp),
// one of them cut off as if it were frozen.
#include "server/node/node_core.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "test/unit/node/three_cores.hpp"

namespace coord::node {
namespace {

using test_core::ThreeCores;

std::optional<FollowerProgress> progress_of(const ReplicationStatus& r, std::uint64_t id) {
  for (const auto& f : r.followers)
    if (f.id == id) return f;
  return std::nullopt;
}

std::uint64_t lag_of(NodeCore& leader, std::uint64_t follower) {
  const ReplicationStatus r = leader.replication();
  const auto f = progress_of(r, follower);
  BOOST_REQUIRE_MESSAGE(f.has_value(), "follower " << follower << " not in the leader's copy");
  return r.last_index > f->match ? r.last_index - f->match : 0;
}

BOOST_AUTO_TEST_SUITE(node_core_replication)

// A follower cut off while the leader commits 20 writes with the other one. What must hold: the
// leader's copy lists both followers (never itself), the cut-off one at least 20 entries behind
// and the other at 0; once reconnected the cut-off one catches up and its lag goes back to 0
// (copies at most 100 ms old). The followers' own copies list no followers.
BOOST_AUTO_TEST_CASE(a_follower_cut_off_shows_a_lag_then_zero_once_caught_up) {
  ThreeCores cluster;
  BOOST_REQUIRE(cluster.rounds_until([&] {
    const auto l = cluster.leader();
    return l != 0 && cluster.core(1).ready() && cluster.core(2).ready() && cluster.core(3).ready();
  }));
  const std::uint64_t leader = cluster.leader();
  const std::uint64_t behind = leader == 3 ? 2 : 3;
  const std::uint64_t other = 6 - leader - behind;
  NodeCore& lead = cluster.core(leader);
  BOOST_REQUIRE(cluster.rounds_until([&] { return lag_of(lead, behind) == 0 && lag_of(lead, other) == 0; }));
  BOOST_TEST(lead.replication().followers.size() == 2u);
  BOOST_TEST(!progress_of(lead.replication(), leader).has_value());

  cluster.cut_off(behind);
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    apply::Request r;
    r.method = apply::Method::kPut;
    r.path = "/k" + std::to_string(i);
    r.value = "v";
    cluster.inbox(leader).proposals.emplace_back(std::move(r), [&](WriteResult w) { answered += w.response.ok() ? 1 : 0; });
  }
  BOOST_REQUIRE(cluster.rounds_until([&] { return answered == 20; }));
  BOOST_REQUIRE(cluster.rounds_until([&] { return lag_of(lead, behind) >= 20 && lag_of(lead, other) == 0; }, 20));
  BOOST_TEST(lead.replication().commit >= 20u);
  BOOST_TEST(cluster.core(other).replication().followers.empty());

  cluster.reconnect(behind);
  BOOST_TEST(cluster.rounds_until([&] { return lag_of(lead, behind) == 0; }));
  BOOST_TEST(cluster.core(behind).replication().followers.empty());
  // The follower's own copy, at most 100 ms (10 rounds) later, shows the log it caught up with.
  BOOST_TEST(cluster.rounds_until(
      [&] { return cluster.core(behind).replication().last_index == lead.replication().last_index; }, 11));
}

// The leader hands leadership over. What must hold: the round in which it steps down clears its
// followers, without waiting out the 100 ms between copies.
BOOST_AUTO_TEST_CASE(a_leader_that_steps_down_lists_no_followers) {
  ThreeCores cluster;
  BOOST_REQUIRE(cluster.rounds_until([&] { return cluster.leader() != 0 && cluster.core(cluster.leader()).ready(); }));
  const std::uint64_t leader = cluster.leader();
  NodeCore& old = cluster.core(leader);
  BOOST_REQUIRE(cluster.rounds_until([&] { return old.replication().followers.size() == 2u; }));
  cluster.inbox(leader).transfer_leadership = true;
  BOOST_REQUIRE(cluster.rounds_until([&] { return !old.is_leader(); }));
  BOOST_TEST(old.replication().followers.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace coord::node
