// The raft loop with background snapshots, end to end on one member: writes go on
// across many snapshots, and a restart recovers every acknowledged write from the newest
// snapshot with a marker plus the WAL after it.
#include "server/node/node.hpp"

#include <boost/test/unit_test.hpp>

#include <future>

#include "server/common/file_mem.hpp"
#include "server/snap/snap_format.hpp"

namespace coord::node {
namespace {

constexpr std::uint64_t kMember = 0x1234;

NodeOptions options() {
  NodeOptions o;
  o.member_id = kMember;
  o.cluster_id = 0x77;
  o.data_dir = "/data";
  o.client_urls = {"http://127.0.0.1:1"};
  o.initial_members = {MemberSpec{kMember, "default", {"http://127.0.0.1:2"}}};
  o.snapshot_count = 10;
  o.snapshot_catch_up_entries = 5;
  o.max_snapshots = 2;
  o.tick_interval = std::chrono::milliseconds(10);
  o.seed = 42;
  return o;
}

// prefix + i, built by appending ("lit" + to_string() trips a GCC 12 -Wrestrict false positive).
std::string numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

// PUT path=value through Raft; waits for the applied answer (no sleeping: a future).
bool put(Node& node, const Clock& clock, const std::string& path, const std::string& value) {
  apply::Request r;
  r.method = apply::Method::kPut;
  r.path = path;
  r.value = value;
  r.time = clock.now();
  std::promise<bool> answered;
  node.propose(std::move(r), [&](WriteResult w) { answered.set_value(w.response.ok()); });
  return answered.get_future().get();
}

// The value at `path`, or "<missing>".
std::string get(const Node& node, const Clock& clock, const std::string& path) {
  return node.read([&](const store::Store& s, RaftPosition) -> std::string {
    auto r = s.get(path, false, false, clock.now());
    if (!r.ok() || !r.value().node.value) return "<missing>";
    return *r.value().node.value;
  });
}

std::size_t snapshot_files(MemFileSystem& fs) {
  auto names = fs.list_dir("/data/member/snap");
  BOOST_REQUIRE(names.is_ok());
  std::size_t n = 0;
  for (const auto& name : *names) n += snap::parse_snapshot_name(name).has_value() ? 1 : 0;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(node_snapshot)

BOOST_AUTO_TEST_CASE(writes_across_many_background_snapshots__all_survive_a_crash_and_restart) {
  MemFileSystem fs;
  SystemClock clock;
  constexpr int kWrites = 300;  // about 30 snapshots at snapshot_count 10
  {
    Node node(options(), fs, clock);
    BOOST_REQUIRE(node.start().is_ok());
    BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));
    for (int i = 0; i < kWrites; ++i)
      BOOST_REQUIRE(put(node, clock, numbered("/k", i), numbered("v", i)));
    BOOST_TEST(!node.failed());
    fs.drop_unsynced();  // a crash: whatever snapshot is in flight, only durable state survives
    // The dead process's threads are stopped after the crash; what they write now is not
    // looked at (every handle of the old process is stale, see MemFileSystem).
  }
  BOOST_TEST(snapshot_files(fs) >= 1u);
  // max_snapshots 2, plus one recorded whose purge the writer thread had not run yet, plus at
  // most one without marker.
  BOOST_TEST(snapshot_files(fs) <= 4u);
  Node node(options(), fs, clock);
  BOOST_REQUIRE(node.start().is_ok());
  BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));
  for (int i = 0; i < kWrites; ++i) BOOST_TEST(get(node, clock, numbered("/k", i)) == numbered("v", i));
  node.stop();
  BOOST_TEST(!node.failed());
}

BOOST_AUTO_TEST_CASE(a_snapshot_is_also_due_once_the_log_since_the_last_one_holds_snapshot_log_bytes) {
  // Big values: the count alone (a million here) would keep every entry in memory.
  NodeOptions o = options();
  o.snapshot_count = 1'000'000;
  o.snapshot_log_bytes = 16 << 10;
  MemFileSystem fs;
  SystemClock clock;
  {
    Node node(o, fs, clock);
    BOOST_REQUIRE(node.start().is_ok());
    BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));
    for (int i = 0; i < 10; ++i) BOOST_REQUIRE(put(node, clock, numbered("/big", i), std::string(4096, 'v')));
    node.stop();  // records a snapshot still in flight
    BOOST_TEST(!node.failed());
  }
  BOOST_TEST(snapshot_files(fs) >= 1u);
  Node node(o, fs, clock);
  BOOST_REQUIRE(node.start().is_ok());
  BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));
  for (int i = 0; i < 10; ++i) BOOST_TEST(get(node, clock, numbered("/big", i)) == std::string(4096, 'v'));
}

BOOST_AUTO_TEST_CASE(stop__joins_the_snapshot_writer_and_a_restart_recovers_everything) {
  MemFileSystem fs;
  SystemClock clock;
  {
    Node node(options(), fs, clock);
    BOOST_REQUIRE(node.start().is_ok());
    BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));
    for (int i = 0; i < 25; ++i) BOOST_REQUIRE(put(node, clock, numbered("/a", i), "x"));
    node.stop();  // a snapshot may be in flight right now: stop must not hang or crash
    BOOST_TEST(!node.failed());
  }
  Node node(options(), fs, clock);
  BOOST_REQUIRE(node.start().is_ok());
  BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));
  for (int i = 0; i < 25; ++i) BOOST_TEST(get(node, clock, numbered("/a", i)) == "x");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
