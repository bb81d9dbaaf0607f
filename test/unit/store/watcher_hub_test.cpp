// Live watch delivery through Store::watch (etcd 3.4's v2 API): exact and recursive matching, hidden
// filtering below the watched key, one-shot removal, streams, unwatch, dir deletes; and the
// deferred fan-out (Store::defer_fan_out) that lets NodeCore run the sinks after its lock.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "server/store/store.hpp"
#include "server/store/watcher_hub.hpp"

using namespace coord;
using namespace coord::store;

namespace {

constexpr UnixNanos kNow = 1'790'000'000LL * kNanosPerSecond;

struct Collector {
  std::shared_ptr<std::vector<EventPtr>> got = std::make_shared<std::vector<EventPtr>>();
  WatchSink sink(bool keep) {
    auto g = got;
    return [g, keep](const EventPtr& e) {
      g->push_back(e);
      return keep;
    };
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& e : *got) k.push_back(e->action + " " + e->node.key);
    return k;
  }
};

WatchId start(Store& s, const std::string& key, bool recursive, Collector& c, bool stream = false,
              std::uint64_t since = 0) {
  auto r = s.watch(key, recursive, stream, since, c.sink(stream));
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r.value().immediate == nullptr);
  return r.value().id;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(watcher_hub)

BOOST_AUTO_TEST_CASE(exact_watch__fires_once_on_its_key_even_before_it_exists) {
  Store s;
  s.set("/w/a", false, "1", std::nullopt, kNow);
  Collector c;
  auto r = s.watch("/w/new", false, false, 0, c.sink(false));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.value().etcd_index == 1u);
  BOOST_TEST(s.stats().watchers == 1u);
  s.set("/w/other", false, "x", std::nullopt, kNow);
  s.set("/w/new", false, "n", std::nullopt, kNow);
  s.set("/w/new", false, "m", std::nullopt, kNow);
  BOOST_TEST(c.keys() == std::vector<std::string>{"set /w/new"}, boost::test_tools::per_element());
  BOOST_TEST((*c.got)[0]->etcd_index == 3u);
  BOOST_TEST(s.stats().watchers == 0u);  // one-shot: removed after its event
}

BOOST_AUTO_TEST_CASE(non_recursive_dir_watch__ignores_child_changes) {
  Store s;
  s.set("/w", true, "", std::nullopt, kNow);
  Collector c;
  start(s, "/w", false, c);
  s.set("/w/c", false, "c", std::nullopt, kNow);
  BOOST_TEST(c.got->empty());
  s.update("/w", "", std::nullopt, false, kNow);
  BOOST_TEST(c.keys() == std::vector<std::string>{"update /w"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(recursive_watch__sees_every_action_below_but_no_hidden_part) {
  Store s;
  Collector c;
  start(s, "/s", true, c, true);
  s.set("/s/1", false, "1", std::nullopt, kNow);
  s.set("/s/_h", false, "h", std::nullopt, kNow);
  s.set("/s/d/_h/x", false, "h", std::nullopt, kNow);
  s.set("/sx", false, "not below", std::nullopt, kNow);
  s.update("/s/1", "u", std::nullopt, false, kNow);
  s.compare_and_swap("/s/1", "u", 0, "v", std::nullopt, false, kNow);
  s.create("/s", false, "p", true, std::nullopt, kNow);
  s.compare_and_delete("/s/1", "v", 0, kNow);
  std::vector<std::string> want = {"set /s/1", "update /s/1", "compareAndSwap /s/1",
                                   "create /s/00000000000000000007", "compareAndDelete /s/1"};
  BOOST_TEST(c.keys() == want, boost::test_tools::per_element());
  BOOST_TEST(s.stats().watchers == 1u);  // a stream stays
}

BOOST_AUTO_TEST_CASE(root_recursive_watch__skips_hidden_top_level_keys) {
  Store s;
  Collector c;
  start(s, "/", true, c, true);
  s.set("/_roothidden", false, "x", std::nullopt, kNow);
  s.set("/visible", false, "x", std::nullopt, kNow);
  BOOST_TEST(c.keys() == std::vector<std::string>{"set /visible"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(hidden_watch__direct_and_recursive_inside_hidden_dir_work) {
  Store s;
  Collector direct, inside;
  start(s, "/w/_h", false, direct);
  start(s, "/_h", true, inside, true);
  s.set("/w/_h", false, "h", std::nullopt, kNow);
  s.set("/_h/x", false, "1", std::nullopt, kNow);
  BOOST_TEST(direct.keys() == std::vector<std::string>{"set /w/_h"}, boost::test_tools::per_element());
  BOOST_TEST(inside.keys() == std::vector<std::string>{"set /_h/x"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(hidden_below__checks_every_part_below_the_watched_key) {
  BOOST_TEST(WatcherHub::hidden_below("/w", "/w/_h"));
  BOOST_TEST(WatcherHub::hidden_below("/w", "/w/_h/x"));
  BOOST_TEST(WatcherHub::hidden_below("/w", "/w/a/_b"));
  BOOST_TEST(!WatcherHub::hidden_below("/w", "/w/a_b"));
  BOOST_TEST(!WatcherHub::hidden_below("/_w", "/_w/x"));
  BOOST_TEST(WatcherHub::hidden_below("/", "/_x"));
  BOOST_TEST(!WatcherHub::hidden_below("/", "/x"));
  BOOST_TEST(!WatcherHub::hidden_below("/w/_h", "/w/_h"));
}

BOOST_AUTO_TEST_CASE(dir_delete__reaches_watchers_on_existing_nodes_inside_once) {
  Store s;
  s.set("/w/a", false, "1", std::nullopt, kNow);
  s.set("/w/sub/b", false, "1", std::nullopt, kNow);
  Collector on_a, on_b, deep, stream_b, on_w;
  start(s, "/w/a", false, on_a);
  start(s, "/w/sub/b", false, on_b);
  start(s, "/w/zz/deep", false, deep);
  start(s, "/w/sub/b", false, stream_b, true);
  start(s, "/w", false, on_w);
  s.remove("/w", true, true, kNow);
  for (auto* c : {&on_a, &on_b, &stream_b, &on_w}) {
    BOOST_TEST(c->keys() == std::vector<std::string>{"delete /w"}, boost::test_tools::per_element());
  }
  BOOST_TEST(deep.got->empty());
  BOOST_TEST(s.stats().watchers == 2u);  // the deep watcher and the stream
}

BOOST_AUTO_TEST_CASE(since_index__in_the_future_skips_earlier_live_events) {
  Store s;
  Collector c;
  auto r = s.watch("/k", false, false, 3, c.sink(false));
  BOOST_REQUIRE(r.ok());
  s.set("/k", false, "1", std::nullopt, kNow);  // 1
  s.set("/k", false, "2", std::nullopt, kNow);  // 2
  BOOST_TEST(c.got->empty());
  s.set("/k", false, "3", std::nullopt, kNow);  // 3
  BOOST_REQUIRE(c.got->size() == 1u);
  BOOST_TEST((*c.got)[0]->node.modified_index == 3u);
}

BOOST_AUTO_TEST_CASE(sink_returning_false__removes_a_stream_watcher) {
  Store s;
  auto count = std::make_shared<int>(0);
  auto r = s.watch("/k", false, true, 0, [count](const EventPtr&) { return ++*count < 2; });
  BOOST_REQUIRE(r.ok());
  for (int i = 0; i < 4; ++i) s.set("/k", false, "v", std::nullopt, kNow);
  BOOST_TEST(*count == 2);
  BOOST_TEST(s.stats().watchers == 0u);
}

BOOST_AUTO_TEST_CASE(unwatch__stops_delivery_and_ignores_unknown_ids) {
  Store s;
  Collector a, b;
  WatchId ia = start(s, "/k", false, a);
  start(s, "/k", false, b);
  s.unwatch(ia);
  s.unwatch(ia);
  s.unwatch(12345);
  s.set("/k", false, "v", std::nullopt, kNow);
  BOOST_TEST(a.got->empty());
  BOOST_TEST(b.got->size() == 1u);
  BOOST_TEST(s.stats().watchers == 0u);
}

BOOST_AUTO_TEST_CASE(watchers_on_one_key__are_told_in_registration_order) {
  Store s;
  auto order = std::make_shared<std::vector<int>>();
  for (int i = 0; i < 3; ++i) {
    BOOST_REQUIRE(s.watch("/k", false, false, 0, [order, i](const EventPtr&) {
      order->push_back(i);
      return false;
    }).ok());
  }
  s.set("/k", false, "v", std::nullopt, kNow);
  BOOST_TEST(*order == std::vector<int>({0, 1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(watch_under_a_file__is_accepted_and_waits) {
  Store s;
  s.set("/s/2", false, "v", std::nullopt, kNow);
  Collector c;
  start(s, "/s/2/sub", false, c);
  s.set("/s/2", false, "w", std::nullopt, kNow);
  BOOST_TEST(c.got->empty());
  BOOST_TEST(s.stats().watchers == 1u);
}

// Deferred fan-out: writes only collect; the events reach a stream watcher when the FanOut runs,
// in index order, each once.
BOOST_AUTO_TEST_CASE(deferred_fan_out__runs_no_sink_before_run_then_every_event_in_index_order) {
  Store s;
  s.defer_fan_out(true);
  Collector c;
  start(s, "/d", true, c, /*stream=*/true);
  s.set("/d/a", false, "1", std::nullopt, kNow);
  s.set("/d/b", false, "2", std::nullopt, kNow);
  s.remove("/d/a", false, false, kNow);
  s.set("/d/b", false, "3", std::nullopt, kNow);
  BOOST_TEST(c.got->empty());
  FanOut out = s.take_fan_out();
  BOOST_TEST(out.size() == 4u);
  BOOST_TEST(s.take_fan_out().empty());  // taken once
  BOOST_TEST(out.run().empty());
  BOOST_TEST(out.empty());
  BOOST_TEST(c.keys() == std::vector<std::string>({"set /d/a", "set /d/b", "delete /d/a", "set /d/b"}),
             boost::test_tools::per_element());
  for (std::size_t i = 1; i < c.got->size(); ++i)
    BOOST_TEST((*c.got)[i]->index() == (*c.got)[i - 1]->index() + 1);
  BOOST_TEST(s.stats().watchers == 1u);
}

// Two writes collected before the fan-out runs (one raft round applying both): a one-shot
// watcher is removed when the first is collected, so it fires exactly once, with the first.
BOOST_AUTO_TEST_CASE(deferred_fan_out__a_one_shot_watcher_fires_once_for_two_writes) {
  Store s;
  s.defer_fan_out(true);
  Collector once, stream;
  start(s, "/k", false, once);
  start(s, "/k", false, stream, /*stream=*/true);
  s.set("/k", false, "1", std::nullopt, kNow);
  BOOST_TEST(s.stats().watchers == 1u);  // the one-shot one is gone already
  s.set("/k", false, "2", std::nullopt, kNow);
  BOOST_TEST(s.take_fan_out().run().empty());
  BOOST_REQUIRE(once.got->size() == 1u);
  BOOST_TEST((*once.got)[0]->node.value.value_or("") == "1");
  BOOST_REQUIRE(stream.got->size() == 2u);
  BOOST_TEST((*stream.got)[1]->node.value.value_or("") == "2");
}

// A stream sink that asks to stop gets nothing more from the same fan-out, and its id comes back
// for the owner to unwatch (the hub cannot: the sink ran outside it).
BOOST_AUTO_TEST_CASE(deferred_fan_out__a_stream_sink_that_stops_is_returned_and_skipped) {
  Store s;
  s.defer_fan_out(true);
  auto count = std::make_shared<int>(0);
  auto r = s.watch("/k", false, true, 0, [count](const EventPtr&) { return ++*count < 2; });
  BOOST_REQUIRE(r.ok());
  Collector other;
  start(s, "/k", false, other, /*stream=*/true);
  for (int i = 0; i < 4; ++i) s.set("/k", false, "v", std::nullopt, kNow);
  const std::vector<WatchId> ended = s.take_fan_out().run();
  BOOST_TEST(ended == std::vector<WatchId>({r.value().id}), boost::test_tools::per_element());
  BOOST_TEST(*count == 2);
  BOOST_TEST(other.got->size() == 4u);
  for (WatchId id : ended) s.unwatch(id);
  BOOST_TEST(s.stats().watchers == 1u);
}

// An unwatch between collection and run (another thread's, in coordd) removes the watcher from
// the hub at once; the sink already collected still runs once, alive through the FanOut, and no
// later write reaches it.
BOOST_AUTO_TEST_CASE(deferred_fan_out__an_unwatch_before_run_leaves_a_safe_sink_and_no_watcher) {
  Store s;
  s.defer_fan_out(true);
  Collector c;
  WatchId id = start(s, "/k", false, c, /*stream=*/true);
  s.set("/k", false, "1", std::nullopt, kNow);
  FanOut out = s.take_fan_out();
  s.unwatch(id);
  BOOST_TEST(s.stats().watchers == 0u);
  BOOST_TEST(out.run().empty());
  BOOST_TEST(c.got->size() == 1u);
  s.set("/k", false, "2", std::nullopt, kNow);
  BOOST_TEST(s.take_fan_out().empty());
  BOOST_TEST(c.got->size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
