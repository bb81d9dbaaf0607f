// Store stats counted exactly like etcd 3.4, quirks included (etcd 3.4's v2 API; probe lines
// B13b, D29 and I31b), and membership changes moving the index and the counters.
#include <boost/test/unit_test.hpp>

#include "server/store/store.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;

}  // namespace

BOOST_AUTO_TEST_SUITE(store_stats)

BOOST_AUTO_TEST_CASE(fields__are_in_etcd_order) {
  Store s;
  auto f = s.stats().fields();
  const char* want[] = {"getsSuccess", "getsFail", "setsSuccess", "setsFail", "deleteSuccess", "deleteFail",
                        "updateSuccess", "updateFail", "createSuccess", "createFail", "compareAndSwapSuccess",
                        "compareAndSwapFail", "compareAndDeleteSuccess", "compareAndDeleteFail", "expireCount",
                        "watchers"};
  for (std::size_t i = 0; i < f.size(); ++i) BOOST_TEST(std::string(f[i].first) == want[i]);
}

BOOST_AUTO_TEST_CASE(failed_writes_under_a_file__count_like_b13b) {
  Store s;
  s.set("/dir/a", false, "1", std::nullopt, kNow);
  StoreStats before = s.stats();
  s.get("/dir/a/x", false, false, kNow);
  s.set("/dir/a/x", false, "1", std::nullopt, kNow);           // setsFail once
  s.create("/dir/a", false, "1", true, std::nullopt, kNow);     // createFail and setsFail
  s.create("/dir/a/x", false, "1", false, std::nullopt, kNow);  // createFail and setsFail
  StoreStats after = s.stats();
  BOOST_TEST(after.create_fail - before.create_fail == 2u);
  BOOST_TEST(after.sets_fail - before.sets_fail == 3u);
  BOOST_TEST(after.gets_fail - before.gets_fail == 1u);
  BOOST_TEST(after.sets_success == before.sets_success);
}

BOOST_AUTO_TEST_CASE(quirks__update_and_cas_errors_before_the_write_count_as_successes) {
  Store s;
  s.set("/cdir", true, "", std::nullopt, kNow);
  StoreStats before = s.stats();
  s.update("/cdir", "y", std::nullopt, false, kNow);                  // 102, counted success
  s.update("/", "y", std::nullopt, false, kNow);                      // 107, counted success
  s.compare_and_swap("/", "x", 0, "1", std::nullopt, false, kNow);    // 107, counted success
  s.remove("/", true, true, kNow);                                    // 107, counted success
  s.update("/nokey", "y", std::nullopt, false, kNow);                 // 100, counted failure
  s.compare_and_swap("/cdir", "x", 0, "1", std::nullopt, false, kNow);  // 102, counted failure
  s.compare_and_delete("/", "x", 0, kNow);                            // 102, counted failure
  StoreStats after = s.stats();
  BOOST_TEST(after.update_success - before.update_success == 2u);
  BOOST_TEST(after.update_fail - before.update_fail == 1u);
  BOOST_TEST(after.compare_and_swap_success - before.compare_and_swap_success == 1u);
  BOOST_TEST(after.compare_and_swap_fail - before.compare_and_swap_fail == 1u);
  BOOST_TEST(after.delete_success - before.delete_success == 1u);
  BOOST_TEST(after.compare_and_delete_fail - before.compare_and_delete_fail == 1u);
  BOOST_TEST(s.index() == 1u);  // none of them wrote anything
}

BOOST_AUTO_TEST_CASE(expiry_window__counts_like_i31b) {
  Store s;
  UnixNanos t = kNow;
  StoreStats before = s.stats();
  s.set("/t0", false, "zero", t, t);
  s.expire(t + kNanosPerSecond / 2);
  s.set("/exp1", false, "e", t + kNanosPerSecond, t);
  s.expire(t + 2 * kNanosPerSecond);
  s.set("/edir", true, "", t + 3 * kNanosPerSecond, t);
  s.set("/edir/child", false, "c", std::nullopt, t);
  s.expire(t + 4 * kNanosPerSecond);
  StoreStats after = s.stats();
  BOOST_TEST(after.expire_count - before.expire_count == 3u);
  BOOST_TEST(after.sets_success - before.sets_success == 4u);
}

BOOST_AUTO_TEST_CASE(count_get_failure__bumps_gets_fail_from_a_const_store) {
  Store s;
  const Store& c = s;
  c.count_get_failure();
  c.get("/missing", false, false, kNow);
  s.set("/k", false, "v", std::nullopt, kNow);
  c.get("/k", false, false, kNow);
  BOOST_TEST(s.stats().gets_fail == 2u);
  BOOST_TEST(s.stats().gets_success == 1u);
}

BOOST_AUTO_TEST_CASE(membership__moves_the_index_like_etcds_internal_writes) {
  Store s;
  s.add_member(Member{0x2e1259d415f2a040, "", {"http://127.0.0.1:2380"}, {}});
  s.set_cluster_version("3.4.0");
  s.publish_member_attributes(0x2e1259d415f2a040, "default", {"http://127.0.0.1:2379"});
  BOOST_TEST(s.index() == 3u);  // a fresh etcd answers X-Etcd-Index: 3
  BOOST_TEST(s.stats().create_success == 1u);
  BOOST_TEST(s.stats().sets_success == 2u);
  s.add_member(Member{0xbac5726c3570298, "", {"http://127.0.0.1:23801"}, {}});
  s.update_member_peer_urls(0xbac5726c3570298, {"http://127.0.0.1:23802"});
  BOOST_TEST(s.index() == 5u);
  auto ms = s.members();
  BOOST_REQUIRE(ms.size() == 2u);
  BOOST_TEST(ms[0].id == 0xbac5726c3570298u);  // sorted by id
  BOOST_TEST(ms[0].peer_urls == std::vector<std::string>{"http://127.0.0.1:23802"}, boost::test_tools::per_element());
  BOOST_TEST(ms[1].name == "default");
  s.remove_member(0xbac5726c3570298);
  BOOST_TEST(s.index() == 7u);  // delete the member and record it as removed
  BOOST_TEST(s.is_removed(0xbac5726c3570298));
  BOOST_TEST(!s.is_removed(0x2e1259d415f2a040));
  s.publish_member_attributes(0xbac5726c3570298, "late", {});  // a removed member: skipped
  s.update_member_peer_urls(0xbac5726c3570298, {});
  BOOST_TEST(s.index() == 7u);
  BOOST_TEST(s.members().size() == 1u);
  BOOST_TEST(s.cluster_version() == "3.4.0");
  BOOST_TEST(s.stats().update_success == 1u);
  BOOST_TEST(s.stats().delete_success == 1u);
  BOOST_TEST(s.stats().create_success == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
