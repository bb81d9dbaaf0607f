#include <boost/test/unit_test.hpp>

#include "server/apply/request_codec.hpp"

using namespace coord::apply;

BOOST_AUTO_TEST_SUITE(request_codec)

BOOST_AUTO_TEST_CASE(round_trip__put_with_every_field) {
  Request r;
  r.method = Method::kPut;
  r.id = 42;
  r.path = "/a/b";
  r.value = "v";
  r.dir = true;
  r.prev_exist = false;
  r.prev_value = "old";
  r.prev_index = 300;
  r.expiration = 1'700'000'005'000'000'000;
  r.refresh = true;
  r.time = 1'700'000'000'000'000'000;
  auto d = decode_request(encode(r));
  BOOST_REQUIRE(d.is_ok());
  BOOST_TEST((*d == r));
}

BOOST_AUTO_TEST_SUITE_END()
