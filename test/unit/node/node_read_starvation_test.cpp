// Long reads cannot keep the raft thread out of the store: while readers take turns so that one
// of them always holds the shared store lock (each read lasts 20 ms, standing in for a recursive
// GET of a big tree), every write is still applied and acknowledged, and the reads go on too.
// With a readers-first lock (std::shared_mutex on glibc) no write would ever get in.
#include "server/node/node.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "server/common/file_mem.hpp"

namespace coord::node {
namespace {

constexpr std::uint64_t kMember = 0x4321;

NodeOptions options() {
  NodeOptions o;
  o.member_id = kMember;
  o.cluster_id = 0x78;
  o.data_dir = "/data";
  o.client_urls = {"http://127.0.0.1:1"};
  o.initial_members = {MemberSpec{kMember, "default", {"http://127.0.0.1:2"}}};
  o.tick_interval = std::chrono::milliseconds(10);
  o.seed = 7;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(node_read_starvation)

BOOST_AUTO_TEST_CASE(overlapping_long_reads__do_not_keep_writes_out) {
  MemFileSystem fs;
  SystemClock clock;
  Node node(options(), fs, clock);
  BOOST_REQUIRE(node.start().is_ok());
  BOOST_REQUIRE(node.wait_ready(std::chrono::seconds(10)));

  constexpr int kReaders = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> entered{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      while (!stop) {
        node.read([&](const store::Store&, RaftPosition) {
          ++entered;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the long read itself
          return 0;
        });
        ++reads;
      }
    });
    // Staggered: each reader starts once the previous one is inside, so their reads overlap.
    const int before = r;
    while (entered.load() <= before) std::this_thread::yield();
  }

  // The writes come from a thread of their own: a proposal may run the raft round on the
  // proposing thread, which then waits for the store lock itself.
  constexpr int kWrites = 20;
  std::atomic<int> acknowledged{0};
  std::promise<void> writes_done;
  const long reads_before = reads.load();
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      apply::Request w;
      w.method = apply::Method::kPut;
      w.path = "/w";
      w.path += std::to_string(i);  // appended: "lit" + to_string() trips a GCC 12 -Wrestrict false positive
      w.value = "v";
      w.time = clock.now();
      std::promise<bool> answered;
      node.propose(std::move(w), [&](WriteResult r) { answered.set_value(r.response.ok()); });
      if (answered.get_future().get()) ++acknowledged;
    }
    writes_done.set_value();
  });
  // Writes locked out for good would miss this bound; then the readers stop and let them in.
  const bool in_time = writes_done.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  const long reads_during = reads.load() - reads_before;
  stop = true;
  for (auto& t : readers) t.join();
  writer.join();
  BOOST_TEST(in_time);
  BOOST_TEST(acknowledged == kWrites);
  BOOST_TEST(reads_during > 0);
  node.stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
