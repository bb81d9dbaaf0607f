// Progress and its in-flight window: the leader's flow control per follower.
#include <boost/test/unit_test.hpp>

#include "server/raft/progress.hpp"
#include "test/support/raft/print.hpp"

namespace coord::raft {

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(inflights_fill_free_and_wrap) {
  Inflights in(3);
  in.add(1);
  in.add(2);
  in.add(3);
  BOOST_TEST(in.full());
  in.free_le(2);
  BOOST_TEST(in.count() == 1u);
  in.add(4);
  in.add(5);  // wraps around the ring
  BOOST_TEST(in.full());
  in.free_first_one();
  BOOST_TEST(in.count() == 2u);
  in.free_le(5);
  BOOST_TEST(in.count() == 0u);
}

BOOST_AUTO_TEST_CASE(probe_rejection_uses_the_hint_and_ignores_stale_ones) {
  Progress pr(100, 8);
  BOOST_TEST(!pr.maybe_decr_to(50, 10));  // not the probe we sent (next - 1 == 99)
  BOOST_TEST(pr.maybe_decr_to(99, 10));
  BOOST_TEST(pr.next == 11u);
  pr.match = 20;
  pr.next = 30;
  BOOST_TEST(pr.maybe_decr_to(29, 5));
  BOOST_TEST(pr.next == 21u);  // never below match + 1
}

BOOST_AUTO_TEST_CASE(replicate_state_pipelines_and_falls_back_to_match) {
  Progress pr(10, 2);
  pr.maybe_update(9);
  pr.become_replicate();
  pr.optimistic_update(15);
  pr.inflights.add(15);
  pr.inflights.add(20);
  BOOST_TEST(pr.is_paused());
  BOOST_TEST(!pr.maybe_decr_to(8, 0));  // stale: below match
  BOOST_TEST(pr.maybe_decr_to(12, 0));
  BOOST_TEST(pr.next == 10u);
}

BOOST_AUTO_TEST_CASE(snapshot_state_pauses_until_resolved) {
  Progress pr(10, 4);
  pr.become_snapshot(50);
  BOOST_TEST(pr.is_paused());
  pr.become_probe();
  BOOST_TEST(pr.next == 51u);  // resumes after the snapshot it was sent
  BOOST_TEST(!pr.is_paused());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::raft
