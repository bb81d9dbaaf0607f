#include "server/node/snapshot_writer.hpp"

#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/snap/snap_format.hpp"
#include "test/unit/node/gated_file_system.hpp"

namespace coord::node {
namespace {

const std::string kSnapDir = "/data/member/snap";

raft::Snapshot snapshot_at(std::uint64_t index, std::string data) {
  return raft::Snapshot{raft::SnapshotMetadata{index, 2, raft::ConfState{{1}}}, std::move(data)};
}

// A writer whose snapshot at index 10 is held at the gate: inside save(), past the temp file's
// fsync. Each test opens the gate before it ends (the writer joins on destruction).
struct HeldWrite {
  MemFileSystem mem;
  test::GatedFileSystem fs{mem};
  snap::Snapshotter snapshotter{fs, kSnapDir};
  test::CallCounter written;
  SnapshotWriter writer{snapshotter, [this] { written(); }};
  HeldWrite() {
    fs.close_gate();
    writer.submit(snapshot_at(10, "x"));
    fs.wait_until_held();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot_writer)

BOOST_AUTO_TEST_CASE(submit__writes_the_file_durably_and_hands_the_snapshot_back) {
  MemFileSystem mem;
  snap::Snapshotter snapshotter(mem, kSnapDir);
  test::CallCounter written;
  SnapshotWriter writer(snapshotter, [&] { written(); });
  writer.submit(snapshot_at(10, "state at 10"));
  written.wait_for(1);
  auto finished = writer.take_finished();
  BOOST_REQUIRE(finished.has_value());
  BOOST_TEST(finished->status.is_ok());
  BOOST_TEST(finished->snapshot.data == "state at 10");  // handed back, not lost
  mem.drop_unsynced();
  auto loaded = snapshotter.load();
  BOOST_REQUIRE(loaded.is_ok());
  BOOST_TEST((*loaded == snapshot_at(10, "state at 10")));
}

BOOST_FIXTURE_TEST_CASE(take_finished__returns_nothing_while_the_write_is_held_and_never_blocks, HeldWrite) {
  BOOST_TEST(writer.in_flight());
  BOOST_TEST(!writer.take_finished().has_value());
  BOOST_TEST(written.calls() == 0);
  fs.open_gate();
  written.wait_for(1);
  BOOST_TEST(writer.take_finished().has_value());
}

BOOST_AUTO_TEST_CASE(in_flight__lasts_until_the_result_is_taken_not_until_the_write_ends) {
  MemFileSystem mem;
  snap::Snapshotter snapshotter(mem, kSnapDir);
  test::CallCounter written;
  SnapshotWriter writer(snapshotter, [&] { written(); });
  BOOST_TEST(!writer.in_flight());
  writer.submit(snapshot_at(10, "x"));
  written.wait_for(1);
  BOOST_TEST(writer.in_flight());  // ended, but the owner has not acted on it yet
  BOOST_REQUIRE(writer.take_finished().has_value());
  BOOST_TEST(!writer.in_flight());
  BOOST_TEST(!writer.take_finished().has_value());  // one result per submit
  writer.submit(snapshot_at(20, "y"));  // the next may start only now
  BOOST_TEST(writer.wait().status.is_ok());
  BOOST_TEST(!writer.in_flight());
}

BOOST_AUTO_TEST_CASE(a_failed_write__is_reported_with_its_status_and_leaves_no_file) {
  MemFileSystem mem;
  snap::Snapshotter snapshotter(mem, kSnapDir);
  SnapshotWriter writer(snapshotter, nullptr);
  mem.fail_next_syncs(1);
  writer.submit(snapshot_at(10, "x"));
  auto finished = writer.wait();
  BOOST_TEST(!finished.status.is_ok());
  BOOST_TEST(!mem.exists(kSnapDir + "/" + snap::snapshot_name(2, 10)));
}

BOOST_FIXTURE_TEST_CASE(stop__lets_a_write_in_progress_finish_then_joins, HeldWrite) {
  fs.open_gate();
  writer.stop();  // joins: the write is complete once this returns
  BOOST_TEST(written.calls() == 1);
  BOOST_TEST(mem.exists(kSnapDir + "/" + snap::snapshot_name(2, 10)));
  writer.stop();  // idempotent
}

BOOST_AUTO_TEST_CASE(stop__with_nothing_submitted_returns_at_once) {
  MemFileSystem mem;
  snap::Snapshotter snapshotter(mem, kSnapDir);
  SnapshotWriter writer(snapshotter, nullptr);
  writer.stop();
  BOOST_TEST(!writer.in_flight());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
