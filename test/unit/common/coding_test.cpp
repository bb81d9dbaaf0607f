#include "server/common/coding.hpp"

#include <boost/test/unit_test.hpp>
#include <limits>
#include <string>

using coord::Decoder;
using coord::Encoder;

BOOST_AUTO_TEST_SUITE(coding)

BOOST_AUTO_TEST_CASE(round_trip__every_type) {
  std::string buf;
  Encoder e(buf);
  e.put_u8(7);
  e.put_u32(0xdeadbeef);
  e.put_u64(std::numeric_limits<std::uint64_t>::max());
  e.put_i64(-42);
  e.put_bool(true);
  e.put_varint(300);
  e.put_bytes("hello");
  Decoder d(buf);
  std::uint8_t a = 0;
  std::uint32_t b = 0;
  std::uint64_t c = 0, v = 0;
  std::int64_t i = 0;
  bool t = false;
  std::string s;
  BOOST_TEST(d.get_u8(a));
  BOOST_TEST(d.get_u32(b));
  BOOST_TEST(d.get_u64(c));
  BOOST_TEST(d.get_i64(i));
  BOOST_TEST(d.get_bool(t));
  BOOST_TEST(d.get_varint(v));
  BOOST_TEST(d.get_bytes(s));
  BOOST_TEST(d.done());
  BOOST_TEST(a == 7);
  BOOST_TEST(b == 0xdeadbeefu);
  BOOST_TEST(c == std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(i == -42);
  BOOST_TEST(t);
  BOOST_TEST(v == 300u);
  BOOST_TEST(s == "hello");
}

BOOST_AUTO_TEST_CASE(decoder__rejects_truncated_input_and_stays_failed) {
  std::string buf;
  Encoder(buf).put_u64(1);
  buf.pop_back();
  Decoder d(buf);
  std::uint64_t v = 0;
  BOOST_TEST(!d.get_u64(v));
  std::uint8_t b = 0;
  BOOST_TEST(!d.get_u8(b));
  BOOST_TEST(!d.ok());
}

BOOST_AUTO_TEST_CASE(decoder__rejects_length_beyond_input) {
  std::string buf;
  Encoder e(buf);
  e.put_varint(1u << 30);  // claims a gigabyte
  e.put_raw("abc");
  Decoder d(buf);
  std::string s;
  BOOST_TEST(!d.get_bytes(s));
  BOOST_TEST(s.empty());
}

BOOST_AUTO_TEST_CASE(decoder__rejects_counts_the_input_cannot_hold) {
  std::string buf;
  Encoder(buf).put_varint(1'000'000);
  Decoder d(buf);
  std::uint64_t n = 0;
  BOOST_TEST(!d.get_count(n, 8));
}

BOOST_AUTO_TEST_CASE(decoder__rejects_overlong_varint_and_bad_bool) {
  std::string buf(11, '\xff');
  Decoder d(buf);
  std::uint64_t v = 0;
  BOOST_TEST(!d.get_varint(v));
  std::string two(1, '\x02');
  Decoder d2(two);
  bool b = false;
  BOOST_TEST(!d2.get_bool(b));
}

BOOST_AUTO_TEST_SUITE_END()
