// bcrypt through libxcrypt, and the SHA-256 that keys the verified-credentials cache.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>

#include "server/auth/password.hpp"
#include "server/auth/sha256.hpp"

using namespace coord::auth;

namespace {
std::string hex(const Sha256Digest& d) {
  std::string out;
  char buf[3];
  for (auto b : d) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(password)

BOOST_AUTO_TEST_CASE(sha256__matches_the_fips_vectors) {
  BOOST_TEST(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  BOOST_TEST(hex(sha256(std::string(1000000, 'a'))) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(hash__is_salted_bcrypt_and_verifies_only_the_right_password) {
  auto a = hash_password("s3cret");
  auto b = hash_password("s3cret");
  BOOST_REQUIRE(a.is_ok());
  BOOST_REQUIRE(b.is_ok());
  BOOST_TEST(a->rfind("$2b$10$", 0) == 0u);
  BOOST_TEST(a->size() == 60u);
  BOOST_TEST(*a != *b);  // a fresh salt each time
  BOOST_TEST(verify_password("s3cret", *a));
  BOOST_TEST(verify_password("s3cret", *b));
  BOOST_TEST(!verify_password("s3creT", *a));
  BOOST_TEST(!verify_password("", *a));
}

BOOST_AUTO_TEST_CASE(verify__accepts_go_bcrypt_2a_hashes_and_refuses_malformed_ones) {
  // Vectors of Go's golang.org/x/crypto/bcrypt, the library etcd 3.4 hashes with.
  BOOST_TEST(verify_password("allmine", "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga"));
  BOOST_TEST(verify_password("012345678901234567890123456789012345678901234567890123456",
                             "$2a$10$XajjQvNhvvRt5GSeFk1xFe5l47dONXg781AmZtd869sO8zfsHuw7C"));
  BOOST_TEST(!verify_password("allmine!", "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga"));
  BOOST_TEST(!verify_password("allmine", "$2a$10$fooo"));
  BOOST_TEST(!verify_password("rp", ""));
  BOOST_TEST(!verify_password("rp", "plain"));
  BOOST_TEST(!verify_password("rp", "*0"));
  BOOST_TEST(!hash_password(std::string("a\0b", 3)).is_ok());
}

BOOST_AUTO_TEST_CASE(hash__costs_milliseconds_so_it_must_stay_out_of_apply) {
  auto start = std::chrono::steady_clock::now();
  auto h = hash_password("timing");
  auto took = std::chrono::steady_clock::now() - start;
  BOOST_REQUIRE(h.is_ok());
  BOOST_TEST_MESSAGE("bcrypt cost 10 hash: " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                             << " ms");
  BOOST_TEST(took > std::chrono::milliseconds(5));
}

BOOST_AUTO_TEST_SUITE_END()
