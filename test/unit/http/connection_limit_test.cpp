#include "server/http/connection_limit.hpp"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <vector>

using coord::http::ConnectionLimit;

BOOST_AUTO_TEST_SUITE(connection_limit)

BOOST_AUTO_TEST_CASE(slots_run_out_at_the_limit_and_come_back_when_released) {
  auto limit = std::make_shared<ConnectionLimit>(3);
  std::vector<std::shared_ptr<void>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(limit->try_acquire());
    BOOST_TEST(held.back() != nullptr);
  }
  BOOST_TEST(limit->held() == 3u);
  BOOST_TEST(limit->try_acquire() == nullptr);
  BOOST_TEST(limit->held() == 3u);  // a refused slot is not counted
  auto copy = held.front();         // a slot is released with its last copy
  held.erase(held.begin());
  BOOST_TEST(limit->try_acquire() == nullptr);
  copy.reset();
  BOOST_TEST(limit->held() == 2u);
  BOOST_TEST(limit->try_acquire() != nullptr);  // taken and at once released again
  BOOST_TEST(limit->held() == 2u);
}

BOOST_AUTO_TEST_CASE(a_slot_outlives_its_limit) {
  auto limit = std::make_shared<ConnectionLimit>(1);
  auto slot = limit->try_acquire();
  BOOST_REQUIRE(slot != nullptr);
  limit.reset();  // the listeners are gone; a session still holds its slot
  slot.reset();   // must not touch freed memory (run under the sanitizers)
}

BOOST_AUTO_TEST_CASE(the_reserve_is_an_eighth_of_the_descriptors_between_64_and_1024_and_peers_get_half_of_it) {
  BOOST_TEST(ConnectionLimit::reserve_for(256) == 64u);
  BOOST_TEST(ConnectionLimit::reserve_for(1024) == 128u);
  BOOST_TEST(ConnectionLimit::reserve_for(1 << 20) == 1024u);
  BOOST_TEST(ConnectionLimit::max_connections_for(256) == 192u);
  BOOST_TEST(ConnectionLimit::max_connections_for(1 << 20) == (1u << 20) - 1024u);
  BOOST_TEST(ConnectionLimit::max_connections_for(32) == 8u);  // a tiny limit still lets a few clients in
  BOOST_TEST(ConnectionLimit::max_peer_connections_for(256) == 32u);  // half the reserve
}

BOOST_AUTO_TEST_SUITE_END()
