// A quick scale check: 200k keys (30-byte keys, 128-byte values) inserted, saved, recovered and
// expired. Prints figures; asserts only on correctness, never on time.
#include <boost/test/unit_test.hpp>

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "server/store/store.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;
constexpr int kKeys = 200000;

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::size_t heap_bytes() { return mallinfo2().uordblks; }

std::string key_of(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "/registry/svc%03d/instance-%07d", i % 100, i);
  return buf;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_scale)

BOOST_AUTO_TEST_CASE(two_hundred_thousand_keys__insert_save_recover_and_expire) {
  const std::string value(128, 'v');
  std::size_t heap0 = heap_bytes();
  auto t0 = std::chrono::steady_clock::now();
  {
    Store s;
    for (int i = 0; i < kKeys; ++i) {
      std::optional<UnixNanos> exp;
      if (i % 10 == 0) exp = kNow + (1 + i % 7) * kNanosPerSecond;
      BOOST_REQUIRE(s.set(key_of(i), false, value, exp, kNow).ok());
    }
    double insert_ms = ms_since(t0);
    std::size_t heap = heap_bytes() - heap0;
    auto t1 = std::chrono::steady_clock::now();
    std::string data = s.save();
    double save_ms = ms_since(t1);
    auto t2 = std::chrono::steady_clock::now();
    Store r;
    BOOST_REQUIRE(r.recover(data).is_ok());
    double recover_ms = ms_since(t2);
    BOOST_TEST(r.node_count() == s.node_count());
    BOOST_TEST(r.index() == static_cast<std::uint64_t>(kKeys));
    BOOST_TEST(*r.get(key_of(12345), false, false, kNow).value().node.value == value);
    auto t3 = std::chrono::steady_clock::now();
    auto expired = r.expire(kNow + 10 * kNanosPerSecond);
    double expire_ms = ms_since(t3);
    BOOST_TEST(expired.size() == static_cast<std::size_t>(kKeys / 10));
    auto t4 = std::chrono::steady_clock::now();
    int found = 0;
    for (int i = 1; i < kKeys; i += 10) found += r.get(key_of(i), false, false, kNow).ok() ? 1 : 0;
    double get_ms = ms_since(t4);
    BOOST_TEST(found == kKeys / 10);
    std::printf(
        "store scale: %d keys (%zu nodes): insert %.0f ms (%.0f/s), heap %.0f B/key (incl. 1000-event history), "
        "save %.0f ms (%.1f MB), recover %.0f ms, expire %d keys %.0f ms, %d gets %.1f ms\n",
        kKeys, s.node_count(), insert_ms, kKeys / insert_ms * 1000, double(heap) / kKeys, save_ms,
        data.size() / 1e6, recover_ms, kKeys / 10, expire_ms, found, get_ms);
  }
}

BOOST_AUTO_TEST_SUITE_END()
