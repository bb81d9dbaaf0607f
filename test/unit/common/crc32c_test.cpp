#include "server/common/crc32c.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

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

BOOST_AUTO_TEST_CASE(extend__hardware_and_table_agree_at_every_length_and_alignment) {
  // extend() uses SSE4.2 when the CPU has it (8 bytes per step, then single bytes): on random
  // bytes of every length 0..1024, from every start within a word, and from random earlier
  // values, it equals the table (and the table a bit-at-a-time reference, on shorter ones).
  const auto bitwise = [](std::uint32_t crc, const unsigned char* p, std::size_t n) {
    crc = ~crc;
    for (std::size_t i = 0; i < n; ++i) {
      crc ^= p[i];
      for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
    }
    return ~crc;
  };
  std::mt19937 rng(32);  // fixed seed: deterministic
  std::vector<unsigned char> buf(1024 + 8);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (std::size_t len = 0; len <= 1024; ++len) {
    for (std::size_t start = 0; start < 8; ++start) {
      const std::uint32_t seed = (len + start) % 3 == 0 ? 0 : static_cast<std::uint32_t>(rng());
      const unsigned char* p = buf.data() + start;
      const std::uint32_t want = coord::crc32c::extend_portable(seed, p, len);
      BOOST_TEST_CONTEXT("len " << len << " start " << start) {
        BOOST_TEST(coord::crc32c::extend(seed, p, len) == want);
        if (len <= 64) BOOST_TEST(bitwise(seed, p, len) == want);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
