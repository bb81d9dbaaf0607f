#include "server/common/sha1.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>

namespace {
std::string hex(std::string_view s) {
  std::string out;
  char buf[3];
  for (auto b : coord::sha1(s)) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(sha1)

BOOST_AUTO_TEST_CASE(sha1__matches_fips_180_vectors) {
  BOOST_TEST(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  BOOST_TEST(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  BOOST_TEST(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  BOOST_TEST(hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

BOOST_AUTO_TEST_CASE(sha1_prefix64__derives_etcds_member_id) {
  // Real etcd 3.4: peer URL http://127.0.0.1:23800 with token etcd-cluster -> 2e1259d415f2a040.
  BOOST_TEST(coord::sha1_prefix64("http://127.0.0.1:23800etcd-cluster") == 0x2e1259d415f2a040ull);
}

BOOST_AUTO_TEST_SUITE_END()
