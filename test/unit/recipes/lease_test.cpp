// Lease: the one ownership rule of the recipes (lease.hpp), checked on its own with time points
// chosen by the test (no waiting).
#include <boost/test/unit_test.hpp>

#include "coord/recipes/lease.hpp"

using coord::recipes::Lease;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

BOOST_AUTO_TEST_SUITE(lease)

BOOST_AUTO_TEST_CASE(deadline__is_last_acknowledged_send_plus_ttl_minus_margin) {
  auto sent = Clock::now();
  Lease lease(10s, sent);
  BOOST_TEST((lease.deadline() == sent + 10s - 1s));  // margin = TTL/10 above 5 s
  Lease short_lease(2s, sent);
  BOOST_TEST((short_lease.deadline() == sent + 2s - 500ms));  // margin floor 500 ms
  BOOST_TEST(lease.held(sent + 8999ms));
  BOOST_TEST(!lease.held(sent + 9s));
}

BOOST_AUTO_TEST_CASE(renew__moves_the_deadline_forward_only) {
  auto sent = Clock::now();
  Lease lease(10s, sent);
  lease.renew(sent - 1s);  // an older acknowledgement arriving late
  BOOST_TEST((lease.last_renewal() == sent));
  auto later = sent + 1ms;
  lease.renew(later);
  BOOST_TEST((lease.last_renewal() == later));
}

BOOST_AUTO_TEST_CASE(renew__after_the_deadline_does_not_resurrect_the_lease) {
  auto long_ago = Clock::now() - 5s;
  Lease lease(2s, long_ago);
  BOOST_TEST(!lease.held());
  lease.renew(long_ago + 1s);  // sent before the deadline, acknowledged after it
  BOOST_TEST(!lease.held());
}

BOOST_AUTO_TEST_CASE(mark_lost__is_final_and_requests_only_the_internal_stop) {
  Lease lease(10s, Clock::now());
  BOOST_TEST(lease.held());
  BOOST_TEST(lease.mark_lost("first"));
  BOOST_TEST(!lease.mark_lost("second"));
  BOOST_TEST(lease.lost_reason() == "first");
  BOOST_TEST(!lease.held());
  BOOST_TEST(lease.internal_stop_token().stop_requested());
  BOOST_TEST(!lease.stop_token().stop_requested());  // user callbacks run on the notifier, later
  lease.renew(Clock::now());
  BOOST_TEST(!lease.held());
}

BOOST_AUTO_TEST_CASE(end__is_not_a_loss) {
  Lease lease(10s, Clock::now());
  lease.end();
  BOOST_TEST(!lease.held());
  BOOST_TEST(!lease.lost());
  BOOST_TEST((lease.valid_for() == 0ms));
}

BOOST_AUTO_TEST_SUITE_END()
