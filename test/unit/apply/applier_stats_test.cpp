// Store stats as the probe's group D drives them through the Applier (line D29 of
// expected-etcd-3.4.txt): the dispatch picks the store call, the store counts it like etcd.
#include <boost/test/unit_test.hpp>

#include "server/apply/applier.hpp"

using namespace coord;
using namespace coord::apply;
using namespace coord::store;

namespace {

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;

Request put(std::string path, std::string value = "") {
  Request r;
  r.method = Method::kPut;
  r.path = std::move(path);
  r.value = std::move(value);
  r.time = kNow;
  return r;
}
Request exist(Request r, bool e) { r.prev_exist = e; return r; }
Request pv(Request r, std::string v) { r.prev_value = std::move(v); return r; }
Request pi(Request r, std::uint64_t i) { r.prev_index = i; return r; }
Request dir(Request r) { r.dir = true; return r; }

}  // namespace

BOOST_AUTO_TEST_SUITE(applier_stats)

BOOST_AUTO_TEST_CASE(group_d__counts_like_d29) {
  Store s;
  Applier a(s);
  StoreStats d0 = s.stats();
  a.apply(put("/foo", "one"));                                  // set
  a.apply(exist(put("/foo", "x"), false));                      // create fails
  a.apply(pv(put("/foo", "x"), "two"));                         // cas fails x4
  a.apply(pi(put("/foo", "x"), 987654321));
  a.apply(pi(pv(put("/foo", "x"), "two"), 987654321));
  a.apply(pi(pv(put("/foo", "x"), "one"), 987654321));
  a.apply(pv(put("/foo", "two"), "one"));                       // cas ok x3
  a.apply(pi(put("/foo", "three"), 2));
  a.apply(pi(pv(put("/foo", "four"), "three"), 3));
  a.apply(pi(put("/foo", "five"), 0));                          // set
  a.apply(exist(put("/foo", "six"), true));                     // update
  a.apply(exist(put("/nokey", "x"), true));                     // update fails
  a.apply(pv(put("/nokey", "x"), "x"));                         // cas fails x2
  a.apply(pi(put("/nokey", "x"), 5));
  a.apply(exist(put("/newkey", "new"), false));                 // create
  a.apply(pv(exist(put("/foo", "seven"), true), "six"));        // cas ok
  a.apply(pv(exist(put("/foo", "x"), false), "seven"));         // create fails x2
  a.apply(exist(put("/foo", "x"), false));
  a.apply(dir(put("/cdir")));                                   // set
  a.apply(pv(put("/cdir", "y"), "x"));                          // cas fails x2
  a.apply(pi(put("/cdir", "y"), 1));
  a.apply(exist(put("/cdir", "y"), true));                      // update 102, counted success
  a.apply(dir(exist(put("/cdir"), true)));                      // update
  a.apply(dir(exist(put("/cdir2"), false)));                    // create
  a.apply(dir(exist(put("/cdir2"), false)));                    // create fails
  a.apply(dir(exist(put("/nodir"), true)));                     // update fails
  StoreStats d1 = s.stats();
  BOOST_TEST(d1.compare_and_swap_fail - d0.compare_and_swap_fail == 8u);
  BOOST_TEST(d1.compare_and_swap_success - d0.compare_and_swap_success == 4u);
  BOOST_TEST(d1.create_fail - d0.create_fail == 4u);
  BOOST_TEST(d1.create_success - d0.create_success == 2u);
  BOOST_TEST(d1.sets_success - d0.sets_success == 3u);
  BOOST_TEST(d1.update_fail - d0.update_fail == 2u);
  BOOST_TEST(d1.update_success - d0.update_success == 3u);
  BOOST_TEST(d1.sets_fail == d0.sets_fail);
  BOOST_TEST(d1.delete_success + d1.delete_fail + d1.expire_count == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
