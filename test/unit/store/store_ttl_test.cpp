// TTL behaviour with a hand-driven clock: ttl display, expiry timing and order, expire events,
// dir expiry reaching watchers inside, refresh staying invisible (etcd 3.4's v2 API).
#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "server/common/clock.hpp"
#include "server/store/store.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kSec = kNanosPerSecond;

struct Collector {
  std::shared_ptr<std::vector<EventPtr>> got = std::make_shared<std::vector<EventPtr>>();
  WatchSink sink(bool stream = false) {
    auto g = got;
    return [g, stream](const EventPtr& e) {
      g->push_back(e);
      return stream;
    };
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(store_ttl)

BOOST_AUTO_TEST_CASE(ttl__is_the_ceiling_of_the_remaining_seconds_and_zero_when_due) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  auto r = s.set("/k", false, "v", t + 5 * kSec, t);
  BOOST_TEST(r.value().node.ttl == 5);
  BOOST_TEST(*r.value().node.expiration == t + 5 * kSec);
  BOOST_TEST(s.get("/k", false, false, t + kSec / 2).value().node.ttl == 5);
  BOOST_TEST(s.get("/k", false, false, t + kSec).value().node.ttl == 4);
  BOOST_TEST(s.get("/k", false, false, t + 4 * kSec + 1).value().node.ttl == 1);
  auto zero = s.set("/z", false, "zero", t, t);
  BOOST_TEST(zero.value().node.ttl == 0);
  BOOST_TEST(zero.value().node.expiration.has_value());
}

BOOST_AUTO_TEST_CASE(expire__deletes_exactly_when_expiration_is_reached) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/exp1", false, "e", t + kSec, t);  // 1
  BOOST_TEST(s.has_ttl_keys());
  BOOST_TEST(s.expire(t + kSec - 1).empty());
  BOOST_TEST(s.index() == 1u);
  auto events = s.expire(t + kSec);
  BOOST_REQUIRE(events.size() == 1u);
  const Event& e = *events[0];
  BOOST_TEST(e.action == "expire");
  BOOST_TEST(e.node.key == "/exp1");
  BOOST_TEST(!e.node.value.has_value());
  BOOST_TEST(e.node.modified_index == 2u);
  BOOST_TEST(e.node.created_index == 1u);
  BOOST_TEST(!e.node.expiration.has_value());
  BOOST_REQUIRE(e.prev_node.has_value());
  BOOST_TEST(*e.prev_node->value == "e");
  BOOST_TEST(*e.prev_node->expiration == t + kSec);
  BOOST_TEST(e.prev_node->ttl == 0);  // left out of the JSON, as in etcd
  BOOST_TEST(!s.has_ttl_keys());
  auto missing = s.get("/exp1", false, false, t + 2 * kSec);
  BOOST_TEST(missing.error().code == kEcodeKeyNotFound);
  BOOST_TEST(missing.error().index == 2u);  // the expire used up one index
  BOOST_TEST(s.stats().expire_count == 1u);
}

BOOST_AUTO_TEST_CASE(expire__one_event_per_node_in_expiration_order_and_a_dir_counts_once) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/late", false, "l", t + 3 * kSec, t);   // 1
  s.set("/d", true, "", t + 2 * kSec, t);        // 2
  s.set("/d/c1", false, "x", t + 1 * kSec, t);   // 3: expires before its dir
  s.set("/d/c2", false, "x", t + 9 * kSec, t);   // 4: goes with its dir
  s.set("/early", false, "e", t + kSec / 2, t);  // 5
  s.set("/perm", false, "p", std::nullopt, t);   // 6
  auto events = s.expire(t + 3 * kSec);
  std::vector<std::string> keys;
  std::vector<std::uint64_t> indexes;
  for (const auto& e : events) {
    keys.push_back(e->node.key);
    indexes.push_back(e->node.modified_index);
  }
  std::vector<std::string> want_keys = {"/early", "/d/c1", "/d", "/late"};
  std::vector<std::uint64_t> want_indexes = {7, 8, 9, 10};
  BOOST_TEST(keys == want_keys, boost::test_tools::per_element());
  BOOST_TEST(indexes == want_indexes, boost::test_tools::per_element());
  BOOST_TEST(events[2]->node.dir);
  BOOST_TEST(!s.has_ttl_keys());  // /d/c2 left with its dir
  BOOST_TEST(s.node_count() == 1u);
  BOOST_TEST(s.stats().expire_count == 4u);
}

BOOST_AUTO_TEST_CASE(expire__dir_reaches_watchers_on_existing_children_only) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/edir", true, "", t + kSec, t);            // 1
  s.set("/edir/child", false, "c", std::nullopt, t); // 2
  Collector child, deep, other;
  BOOST_REQUIRE(s.watch("/edir/child", false, false, 0, child.sink()).ok());
  BOOST_REQUIRE(s.watch("/edir/never/made", false, false, 0, deep.sink()).ok());
  BOOST_REQUIRE(s.watch("/other", true, false, 0, other.sink()).ok());
  s.expire(t + kSec + kSec / 2);
  BOOST_REQUIRE(child.got->size() == 1u);
  const Event& e = *child.got->front();
  BOOST_TEST(e.action == "expire");
  BOOST_TEST(e.node.key == "/edir");
  BOOST_TEST(e.node.dir);
  BOOST_TEST(e.node.modified_index == 3u);
  BOOST_TEST(e.prev_node->dir);
  BOOST_TEST(deep.got->empty());
  BOOST_TEST(other.got->empty());
  BOOST_TEST(s.watcher_count() == 2u);  // the deep and the other watcher still wait
  // A history watch on a key inside the dir finds the dir's event (prefix rule).
  auto h = s.watch("/edir/never/made", false, false, 3, nullptr);
  BOOST_REQUIRE(h.ok());
  BOOST_REQUIRE(h.value().immediate != nullptr);
  BOOST_TEST(h.value().immediate->node.key == "/edir");
}

BOOST_AUTO_TEST_CASE(refresh__changes_ttl_without_telling_watchers_or_history_scans) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/rf", false, "v", t + 1000 * kSec, t);  // 1
  Collector w;
  BOOST_REQUIRE(s.watch("/rf", false, false, 0, w.sink()).ok());
  auto r = s.update("/rf", "", t + 2000 * kSec, true, t);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.value().action == "update");
  BOOST_TEST(*r.value().node.value == "v");  // the value is kept
  BOOST_TEST(r.value().node.ttl == 2000);
  BOOST_TEST(r.value().node.modified_index == 2u);
  BOOST_TEST(r.value().refresh);
  BOOST_TEST(w.got->empty());
  auto h = s.watch("/rf", false, false, 2, nullptr);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST(h.value().immediate == nullptr);  // the refresh event is skipped: the watch waits
  s.unwatch(h.value().id);
  // The new expiration is the one that counts.
  BOOST_TEST(s.expire(t + 1500 * kSec).empty());
  BOOST_TEST(s.expire(t + 2000 * kSec).size() == 1u);
  BOOST_TEST(w.got->size() == 1u);
}

BOOST_AUTO_TEST_CASE(refresh__set_keeps_value_resets_created_index_and_needs_the_key) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  BOOST_TEST(s.set("/t", false, "", t + kSec, t, true).error().code == kEcodeKeyNotFound);
  s.set("/t", false, "bar4", t + 1000 * kSec, t);  // 1
  auto r = s.set("/t", false, "", t + 1000 * kSec, t, true);
  BOOST_TEST(r.value().action == "set");
  BOOST_TEST(*r.value().node.value == "bar4");
  BOOST_TEST(r.value().node.created_index == 2u);
  auto cas = s.compare_and_swap("/t", "bar4", 0, "", t + 2000 * kSec, true, t);
  BOOST_TEST(cas.value().action == "compareAndSwap");
  BOOST_TEST(*cas.value().node.value == "bar4");
  BOOST_TEST(cas.value().node.ttl == 2000);
}

BOOST_AUTO_TEST_CASE(writes_without_expiration__make_the_node_permanent) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/a", false, "1", t + 10 * kSec, t);
  s.update("/a", "2", std::nullopt, false, t);
  BOOST_TEST(!s.has_ttl_keys());
  s.set("/b", false, "1", t + 10 * kSec, t);
  auto cas = s.compare_and_swap("/b", "1", 0, "2", std::nullopt, false, t);
  BOOST_TEST(!cas.value().node.expiration.has_value());
  BOOST_TEST(cas.value().prev_node->ttl == 10);
  BOOST_TEST(!s.has_ttl_keys());
  s.set("/c", false, "1", t + 10 * kSec, t);
  s.set("/c", false, "2", std::nullopt, t);
  BOOST_TEST(!s.has_ttl_keys());
  BOOST_TEST(s.expire(t + 100 * kSec).empty());
}

BOOST_AUTO_TEST_CASE(update__with_ttl_and_no_value_empties_the_value) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/g8", false, "old", std::nullopt, t);
  auto r = s.update("/g8", "", t + 100 * kSec, false, t);
  BOOST_TEST(*r.value().node.value == "");
  BOOST_TEST(r.value().node.ttl == 100);
}

BOOST_AUTO_TEST_CASE(update__dir_ttl_can_be_set_changed_and_cleared) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/tdir", true, "", t + 1000 * kSec, t);  // 1
  auto r = s.update("/tdir", "", t + 2000 * kSec, false, t);
  BOOST_TEST(r.value().node.ttl == 2000);
  BOOST_TEST(r.value().node.dir);
  BOOST_TEST(s.get("/tdir", false, false, t).value().node.ttl == 2000);
  s.update("/tdir", "", std::nullopt, false, t);
  BOOST_TEST(!s.has_ttl_keys());
}

BOOST_AUTO_TEST_CASE(delete__of_a_ttl_dir_forgets_every_ttl_inside) {
  ManualClock clock;
  Store s;
  UnixNanos t = clock.now();
  s.set("/d/a", false, "1", t + kSec, t);
  s.set("/d/b/c", false, "1", t + 2 * kSec, t);
  BOOST_TEST(s.has_ttl_keys());
  s.remove("/d", true, true, t);
  BOOST_TEST(!s.has_ttl_keys());
  BOOST_TEST(s.expire(t + 10 * kSec).empty());
}

BOOST_AUTO_TEST_SUITE_END()
