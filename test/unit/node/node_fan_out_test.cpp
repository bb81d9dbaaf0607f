// NodeCore's watch fan-out, driven by hand: the sinks of a round's events run after the store
// lock is released (NodeCore::run_fan_out), still inside the round. What must hold: a sink may
// read the store and register a watch (it holds no store lock), a stream watcher gets every
// event of a round in index order, a one-shot watcher reached by two writes of one round fires
// once, and watchers removed by another thread while rounds fan out leave the rest whole.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/common/file_mem.hpp"
#include "server/node/node_core.hpp"
#include "test/unit/node/manual_core.hpp"

namespace coord::node {
namespace {

using namespace test_core;

// A single member, open and ready, on a MemFileSystem and a ManualClock.
struct ReadyCore {
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  NodeCore core{one_member(1), fs, clock, signals};
  ReadyCore() {
    BOOST_REQUIRE(core.open(nullptr).is_ok());
    BOOST_REQUIRE(run_until_ready(core, clock, 50));
  }
  std::size_t watchers() {
    return core.read([](const store::Store& s, const RaftPosition&) { return s.watcher_count(); });
  }
};

// The indexes of the events a sink got (written by the round's thread only).
using Indexes = std::shared_ptr<std::vector<std::uint64_t>>;

store::WatchSink recording(const Indexes& got, bool stream) {
  return [got, stream](const store::EventPtr& e) {
    got->push_back(e->index());
    return stream;
  };
}

BOOST_AUTO_TEST_SUITE(node_fan_out)

// A sink that reads the store (shared lock) and starts another watch (exclusive lock) on the
// round's thread: with the store lock held around the sinks the read would stop the process
// (WriterFirstMutex checks that its rdlock succeeds; glibc refuses it to the writer); without,
// it sees the write already applied.
BOOST_AUTO_TEST_CASE(a_sink_holds_no_store_lock_it_may_read_and_watch) {
  ReadyCore m;
  std::uint64_t seen_value_index = 0;
  std::uint64_t applied_in_sink = 0;
  store::WatchId nested = 0;
  auto w = m.core.watch("/k", false, false, 0, [&](const store::EventPtr& e) {
    m.core.read([&](const store::Store& s, const RaftPosition& pos) {
      auto got = s.get("/k", false, false, m.clock.now());
      if (got.ok()) seen_value_index = got.value().node.modified_index;
      applied_in_sink = pos.index;
    });
    auto again = m.core.watch("/k", false, false, e->index() + 1, [](const store::EventPtr&) { return false; });
    if (again.ok()) nested = again.value().id;
    return false;
  });
  BOOST_REQUIRE(w.ok());
  const auto answer = put(m.core, m.clock, "/k", "v");
  BOOST_REQUIRE(answer);
  BOOST_TEST(answer->response.ok());
  BOOST_TEST(seen_value_index == answer->response.event().node.modified_index);
  BOOST_TEST(applied_in_sink == answer->raft.index);
  BOOST_TEST(nested != 0u);
  BOOST_TEST(m.watchers() == 1u);  // the first fired and went; the nested one waits
}

// Several writes applied by one round: a stream watcher gets them all, in index order, once
// each; a one-shot watcher on the same key fires once, with the first of them.
BOOST_AUTO_TEST_CASE(one_round_of_writes_reaches_a_stream_in_order_and_a_one_shot_once) {
  ReadyCore m;
  Indexes stream = std::make_shared<std::vector<std::uint64_t>>();
  Indexes once = std::make_shared<std::vector<std::uint64_t>>();
  BOOST_REQUIRE(m.core.watch("/k", false, true, 0, recording(stream, true)).ok());
  BOOST_REQUIRE(m.core.watch("/k", false, false, 0, recording(once, false)).ok());
  BOOST_REQUIRE(put_together(m.core, m.clock, {{"/k", "1"}, {"/k", "2"}, {"/other", "x"}, {"/k", "3"}}));
  BOOST_REQUIRE(stream->size() == 3u);
  BOOST_TEST(stream->at(1) > stream->at(0));
  BOOST_TEST(stream->at(2) == stream->at(1) + 2);  // "/other" came between
  BOOST_REQUIRE(once->size() == 1u);
  BOOST_TEST(once->at(0) == stream->at(0));
  BOOST_TEST(m.watchers() == 1u);
}

// Another thread unwatches half of 200 stream watchers while this one runs rounds of writes.
// What must hold: every watcher left gets every write, in order; every removed one got a prefix
// of them (in order, none skipped, none twice); the hub keeps exactly the ones left.
BOOST_AUTO_TEST_CASE(watchers_removed_during_fan_outs_leave_the_others_whole) {
  ReadyCore m;
  constexpr int kWatchers = 200;
  constexpr int kWrites = 40;
  std::vector<Indexes> got;
  std::vector<store::WatchId> ids;
  for (int i = 0; i < kWatchers; ++i) {
    got.push_back(std::make_shared<std::vector<std::uint64_t>>());
    auto w = m.core.watch("/k", false, true, 0, recording(got.back(), true));
    BOOST_REQUIRE(w.ok());
    ids.push_back(w.value().id);
  }
  std::atomic<bool> go{false};
  std::thread remover([&] {
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < kWatchers; i += 2) {
      m.core.unwatch(ids[i]);
      std::this_thread::yield();
    }
  });
  std::vector<std::uint64_t> written;
  go = true;
  for (int i = 0; i < kWrites; ++i) {
    const auto answer = put(m.core, m.clock, "/k", std::to_string(i));
    BOOST_REQUIRE(answer);
    written.push_back(answer->response.event().node.modified_index);
  }
  remover.join();
  for (int i = 0; i < kWatchers; ++i) {
    const std::vector<std::uint64_t>& g = *got[i];
    if (i % 2 == 1) {
      BOOST_TEST(g == written, boost::test_tools::per_element());
    } else {
      BOOST_REQUIRE(g.size() <= written.size());
      BOOST_TEST(std::equal(g.begin(), g.end(), written.begin()), "watcher " << i << " got no prefix");
    }
  }
  BOOST_TEST(m.watchers() == static_cast<std::size_t>(kWatchers / 2));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace coord::node
