// The 1000-event history behind waitIndex (etcd 3.4's v2 API): ring size, error 401 with the exact
// cause and index, scan order, the recursive and dir-prefix rules, skipped slots.
#include <boost/test/unit_test.hpp>

#include <memory>

#include "server/store/event_history.hpp"
#include "server/store/store.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;

EventPtr event(std::string action, std::string key, std::uint64_t index, bool dir_prev = false) {
  auto e = std::make_shared<Event>();
  e->action = std::move(action);
  e->node.key = key;
  e->node.modified_index = index;
  e->etcd_index = index;
  if (dir_prev) {
    NodeExtern prev;
    prev.key = key;
    prev.dir = true;
    e->prev_node = prev;
  }
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_history)

BOOST_AUTO_TEST_CASE(ring__keeps_the_last_capacity_events) {
  EventHistory h(3);
  for (std::uint64_t i = 1; i <= 5; ++i) h.add(i, event("set", "/k", i));
  BOOST_TEST(h.size() == 3u);
  BOOST_TEST(h.start_index() == 3u);
  BOOST_TEST(h.last_index() == 5u);
  auto r = h.scan("/k", false, 2);
  BOOST_TEST(r.cleared_start.value_or(0) == 3u);
  BOOST_TEST(h.scan("/k", false, 3).event->node.modified_index == 3u);
  BOOST_TEST(h.scan("/k", false, 6).event == nullptr);
  BOOST_TEST(!h.scan("/k", false, 6).cleared_start.has_value());
}

BOOST_AUTO_TEST_CASE(scan__returns_the_first_match_at_or_after_since) {
  EventHistory h;
  h.add(1, event("set", "/w/a", 1));
  h.add(2, event("set", "/w/a", 2));
  h.add(3, event("set", "/w/b", 3));
  BOOST_TEST(h.scan("/w/a", false, 1).event->node.modified_index == 1u);
  BOOST_TEST(h.scan("/w/a", false, 2).event->node.modified_index == 2u);
  BOOST_TEST(h.scan("/w/a", false, 3).event == nullptr);
  BOOST_TEST(h.scan("/w", false, 1).event == nullptr);  // non-recursive dir: only the dir itself
  BOOST_TEST(h.scan("/w", true, 1).event->node.key == "/w/a");
  BOOST_TEST(h.scan("/w", true, 3).event->node.key == "/w/b");
  BOOST_TEST(h.scan("/", true, 3).event->node.key == "/w/b");
}

BOOST_AUTO_TEST_CASE(matches__recursive_needs_a_slash_but_a_removed_dir_is_a_byte_prefix) {
  Event set = *event("set", "/wx/a", 1);
  BOOST_TEST(!EventHistory::matches(set, "/w", true));
  BOOST_TEST(EventHistory::matches(set, "/wx", true));
  Event del = *event("delete", "/w", 2, true);
  BOOST_TEST(EventHistory::matches(del, "/w/zz/deep", false));
  BOOST_TEST(EventHistory::matches(del, "/wx", false));  // etcd's plain prefix, kept
  BOOST_TEST(!EventHistory::matches(del, "/", false));
  Event file_del = *event("delete", "/f", 3);
  BOOST_TEST(!EventHistory::matches(file_del, "/f/sub", false));
  Event expire = *event("expire", "/d", 4, true);
  BOOST_TEST(EventHistory::matches(expire, "/d/child", false));
}

BOOST_AUTO_TEST_CASE(scan__skips_refreshes_and_internal_slots) {
  EventHistory h;
  auto refresh = std::make_shared<Event>(*event("update", "/rf", 1));
  refresh->refresh = true;
  h.add(1, refresh);
  h.add(2, nullptr);
  h.add(3, event("set", "/rf", 3));
  BOOST_TEST(h.scan("/rf", false, 1).event->node.modified_index == 3u);
}

BOOST_AUTO_TEST_CASE(watch__401_after_1000_events_names_oldest_kept_and_requested) {
  Store s;
  for (int i = 0; i < 1100; ++i) s.set("/bulk/k", false, "x", std::nullopt, kNow);
  BOOST_TEST(s.index() == 1100u);
  auto old = s.watch("/bulk/k", false, false, 100, nullptr);
  BOOST_REQUIRE(!old.ok());
  BOOST_TEST(old.error().code == kEcodeEventIndexCleared);
  BOOST_TEST(old.error().cause == "the requested history has been cleared [101/100]");
  BOOST_TEST(old.error().index == 1100u);
  BOOST_TEST(old.error().http_status() == 400);
  auto other = s.watch("/nothere", false, false, 100, nullptr);  // any key, touched or not
  BOOST_TEST(other.error().cause == "the requested history has been cleared [101/100]");
  auto kept = s.watch("/bulk/k", false, false, 101, nullptr);
  BOOST_REQUIRE(kept.ok());
  BOOST_REQUIRE(kept.value().immediate != nullptr);
  BOOST_TEST(kept.value().immediate->node.modified_index == 101u);
  BOOST_TEST(kept.value().immediate->etcd_index == 1100u);  // answered with the current index
  BOOST_TEST(kept.value().id == 0u);
  BOOST_TEST(s.stats().watchers == 0u);
}

BOOST_AUTO_TEST_CASE(watch__membership_changes_hold_history_slots_no_user_watch_sees) {
  Store s;
  s.add_member(Member{1, "", {"http://127.0.0.1:2380"}, {}});
  s.set("/k", false, "v", std::nullopt, kNow);
  auto r = s.watch("/", true, false, 1, nullptr);
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r.value().immediate != nullptr);
  BOOST_TEST(r.value().immediate->node.key == "/k");
}

BOOST_AUTO_TEST_CASE(watch__on_an_empty_history_waits_for_any_index) {
  Store s;
  auto r = s.watch("/k", false, false, 5, [](const EventPtr&) { return false; });
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.value().immediate == nullptr);
  BOOST_TEST(r.value().id != 0u);
}

BOOST_AUTO_TEST_SUITE_END()
