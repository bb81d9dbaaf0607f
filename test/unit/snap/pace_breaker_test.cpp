// PaceBreaker (server/snap/pace_breaker.hpp): a wait lasts until its deadline while the breaker
// holds, and ends at once — the one in progress and every later one — once it is released.
#include "server/snap/pace_breaker.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

namespace coord::snap {

BOOST_AUTO_TEST_SUITE(pace_breaker)

BOOST_AUTO_TEST_CASE(wait_until__lasts_until_the_deadline_while_not_released) {
  auto breaker = PaceBreaker::create();
  BOOST_REQUIRE(breaker.is_ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  BOOST_TEST(breaker->wait_until(deadline));
  BOOST_TEST((std::chrono::steady_clock::now() >= deadline));
  BOOST_TEST(breaker->wait_until(std::chrono::steady_clock::now() - std::chrono::seconds(1)));  // passed: returns
}

// A wait an hour long, released from another thread: it returns false, and so does every later
// wait, at once. (Were the release lost, the test would hang, not pass.)
BOOST_AUTO_TEST_CASE(release__ends_the_wait_in_progress_and_every_later_one) {
  auto breaker = PaceBreaker::create();
  BOOST_REQUIRE(breaker.is_ok());
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  bool waited_out = true;
  std::thread saver([&] { waited_out = breaker->wait_until(far); });
  breaker->release();
  saver.join();
  BOOST_TEST(!waited_out);
  BOOST_TEST(!breaker->wait_until(far));
  breaker->release();  // idempotent
  BOOST_TEST(!breaker->wait_until(far));
}

BOOST_AUTO_TEST_CASE(release__survives_a_move) {
  auto created = PaceBreaker::create();
  BOOST_REQUIRE(created.is_ok());
  PaceBreaker moved(std::move(*created));
  moved.release();
  BOOST_TEST(!moved.wait_until(std::chrono::steady_clock::now() + std::chrono::hours(1)));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::snap
