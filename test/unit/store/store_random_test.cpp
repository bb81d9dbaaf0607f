// Seeded random operations over a small key space, with the store's invariants audited after
// every step, snapshots round-tripped along the way, and watchers attached throughout.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <random>
#include <string>

#include "server/store/store.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kStart = 1'790'000'000LL * kNanosPerSecond;

std::string random_key(std::mt19937_64& rng) {
  static const char* parts[] = {"a", "b", "_h", "c"};
  std::string k;
  int depth = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < depth; ++i) k += std::string("/") + parts[rng() % 4];
  return k;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_random)

BOOST_AUTO_TEST_CASE(random_operations__keep_every_invariant) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      std::mt19937_64 rng(seed);
      Store s;
      UnixNanos now = kStart;
      auto delivered = std::make_shared<std::size_t>(0);
      for (int step = 0; step < 4000; ++step) {
        std::string k = random_key(rng);
        std::optional<UnixNanos> exp;
        if (rng() % 3 == 0) exp = now + static_cast<UnixNanos>(rng() % 5) * kNanosPerSecond;
        std::uint64_t before = s.index();
        switch (rng() % 10) {
          case 0: s.set(k, rng() % 4 == 0, "v", exp, now); break;
          case 1: s.create(k, rng() % 4 == 0, "c", rng() % 2 == 0, exp, now); break;
          case 2: s.update(k, rng() % 2 ? "" : "u", exp, rng() % 4 == 0, now); break;
          case 3: s.compare_and_swap(k, "v", 0, "w", exp, false, now); break;
          case 4: s.remove(k, rng() % 2 == 0, rng() % 2 == 0, now); break;
          case 5: s.compare_and_delete(k, std::nullopt, before, now); break;
          case 6: now += kNanosPerSecond / 2; s.expire(now); break;
          case 7: s.get(k, true, true, now); break;
          case 8:
            (void)s.watch(k, rng() % 2 == 0, rng() % 3 == 0, rng() % 2 ? 0 : before, [delivered](const EventPtr&) {
              ++*delivered;
              return true;
            });
            break;
          case 9: {
            Store copy;
            BOOST_REQUIRE(copy.recover(s.save()).is_ok());
            BOOST_REQUIRE(copy.check_invariants().is_ok());
            BOOST_REQUIRE(copy.node_count() == s.node_count());
            break;
          }
        }
        BOOST_REQUIRE(s.index() >= before);
        Status ok = s.check_invariants();
        BOOST_REQUIRE_MESSAGE(ok.is_ok(), "step " << step << ": " << ok.to_string());
      }
      BOOST_TEST(*delivered > 0u);
      s.expire(now + 10 * kNanosPerSecond);
      BOOST_TEST(!s.has_ttl_keys());
      BOOST_TEST(s.check_invariants().is_ok());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
