#include "server/common/crc32c.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

BOOST_AUTO_TEST_SUITE(crc32c)

BOOST_AUTO_TEST_CASE(value__matches_published_check_values) {
  // RFC 3720 (iSCSI) B.4 test vectors and the standard "123456789" check value.
  BOOST_TEST(coord::crc32c::value("123456789") == 0xe3069283u);
  BOOST_TEST(coord::crc32c::value(std::string(32, '\0')) == 0x8a9136aau);
  BOOST_TEST(coord::crc32c::value(std::string(32, '\xff')) == 0x62a8ab43u);
  BOOST_TEST(coord::crc32c::value("") == 0u);
}

BOOST_AUTO_TEST_CASE(extend__in_pieces_equals_whole) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  const auto whole = coord::crc32c::value(data);
  for (std::size_t cut : {0u, 1u, 7u, 8u, 9u, 500u, 999u}) {
    auto c = coord::crc32c::extend(0, data.data(), cut);
    c = coord::crc32c::extend(c, data.data() + cut, data.size() - cut);
    BOOST_TEST(c == whole);
  }
}

BOOST_AUTO_TEST_SUITE_END()
