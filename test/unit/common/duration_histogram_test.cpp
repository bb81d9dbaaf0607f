#include "server/common/duration_histogram.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <vector>

using coord::DurationHistogram;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(duration_histogram)

BOOST_AUTO_TEST_CASE(exponential_bounds__like_prometheus) {
  // etcd's WAL fsync histogram: ExponentialBuckets(0.001, 2, 14) ends at 8.192 s.
  const auto b = DurationHistogram::exponential_bounds(0.001, 2, 14);
  BOOST_TEST_REQUIRE(b.size() == 14u);
  BOOST_TEST(b.front() == 0.001);
  BOOST_TEST(b[1] == 0.002);
  BOOST_TEST(b.back() == 8.192, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(observations__land_in_the_first_bound_not_below_them_and_add_up) {
  DurationHistogram h({0.001, 0.01});
  h.observe(500us);   // <= 0.001
  h.observe(1ms);     // == 0.001: Prometheus buckets include their bound
  h.observe(5ms);     // <= 0.01
  h.observe(2s);      // only +Inf
  h.observe(-3ns);    // a clock that went back counts as zero
  const auto s = h.snapshot();
  BOOST_TEST(s.upper_bounds == (std::vector<double>{0.001, 0.01}));
  BOOST_TEST(s.cumulative == (std::vector<std::uint64_t>{3, 4}));
  BOOST_TEST(s.count == 5u);
  BOOST_TEST(s.sum_seconds == 2.0065, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(empty__has_zero_counts) {
  const auto s = DurationHistogram(DurationHistogram::exponential_bounds(0.001, 2, 3)).snapshot();
  BOOST_TEST(s.cumulative == (std::vector<std::uint64_t>{0, 0, 0}));
  BOOST_TEST(s.count == 0u);
  BOOST_TEST(s.sum_seconds == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
