#include "server/node/snapshot_writer.hpp"

#include <sched.h>
#include <sys/resource.h>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <memory>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <vector>

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

// The scheduling policy and nice value of each thread of this process, from
// /proc/self/task/TID/stat (fields 41 and 19; the command name before them may hold spaces, so
// the fields are counted from its closing parenthesis).
struct ThreadScheduling {
  int policy;
  int nice;
};
std::vector<ThreadScheduling> threads_scheduling() {
  std::vector<ThreadScheduling> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;  // the thread ended meanwhile
    std::istringstream fields(stat.substr(paren + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
    if (f.size() < 39) continue;
    out.push_back({std::stoi(f[41 - 3]), std::stoi(f[19 - 3])});
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot_writer)

// The writer thread must never take the raft thread's core when a round wakes it (dispose(),
// purge_after()): batch scheduling, at nice 10 like any background work.
BOOST_FIXTURE_TEST_CASE(the_writer_thread__is_batch_scheduled_at_nice_10, HeldWrite) {
  // Whether this machine lets a thread make itself SCHED_BATCH at all (a sandbox may refuse;
  // the writer then runs on as a normal thread, which is only slower for the raft loop).
  // Asked on this thread and undone at once: a probe thread of its own could still be listed
  // in /proc/self/task for a moment after join() (as a second SCHED_BATCH thread, at nice 0).
  const sched_param none{};
  const int policy_before = sched_getscheduler(0);
  const bool batch_allowed = sched_setscheduler(0, SCHED_BATCH, &none) == 0;
  if (batch_allowed) BOOST_REQUIRE(sched_setscheduler(0, policy_before, &none) == 0);
  // Held inside a save: the writer thread is running, past setting up its scheduling.
  int batch = 0, niced = 0;
  for (const auto& t : threads_scheduling()) {
    if (t.nice == 10) ++niced;
    if (t.policy != SCHED_BATCH) continue;
    ++batch;
    BOOST_TEST(t.nice == 10);
  }
  // Under `nice` every thread starts at 10: then only the policy tells the writer's apart.
  if (::getpriority(PRIO_PROCESS, 0) != 10)  // this thread's own nice value
    BOOST_TEST(niced == 1);  // the writer's thread, and no other
  else
    BOOST_TEST_MESSAGE("the tests run at nice 10: the nice values tell the threads apart no more");
  if (batch_allowed)
    BOOST_TEST(batch == 1);  // the writer's thread, and no other
  else
    BOOST_TEST_MESSAGE("SCHED_BATCH refused here: only the nice value is checked");
  fs.open_gate();
  written.wait_for(1);
}

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

// Saves snapshots at 10, 20, ..., 10 * n through `writer`, one after the other.
void write_snapshots(SnapshotWriter& writer, std::uint64_t n) {
  for (std::uint64_t i = 1; i <= n; ++i) {
    writer.submit(snapshot_at(i * 10, "x"));
    BOOST_REQUIRE(writer.wait().status.is_ok());
  }
}

std::vector<std::string> names_of(std::initializer_list<std::uint64_t> indexes) {
  std::vector<std::string> out;
  for (std::uint64_t i : indexes) out.push_back(snap::snapshot_name(2, i));
  return out;
}

BOOST_FIXTURE_TEST_CASE(purge_after__returns_at_once_and_the_writer_thread_purges_before_its_next_job, HeldWrite) {
  // The writer is held inside the save of 10: a purge asked for now cannot have run when
  // purge_after() returns, since only the writer thread purges.
  snap::Snapshotter past_of_the_gate(mem, kSnapDir);
  for (std::uint64_t index : {1, 2, 3}) BOOST_REQUIRE(past_of_the_gate.save(snapshot_at(index, "old")).is_ok());
  writer.purge_after(1, raft::SnapshotMetadata{3, 2, {}});
  BOOST_TEST(snapshotter.snapshot_names()->size() == 3u);  // 1, 2, 3 (10 is still a temp file)
  fs.open_gate();
  BOOST_REQUIRE(writer.wait().status.is_ok());
  writer.stop();  // a purge asked for runs before the thread ends
  BOOST_TEST((*snapshotter.snapshot_names() == names_of({3, 10})));
  BOOST_TEST(writer.take_purge_failure().is_ok());
}

BOOST_AUTO_TEST_CASE(purge_after__keeps_the_newest_up_to_the_recorded_one_and_makes_it_durable) {
  MemFileSystem mem;
  snap::Snapshotter snapshotter(mem, kSnapDir);
  SnapshotWriter writer(snapshotter, nullptr);
  write_snapshots(writer, 5);
  // 50 is newer than the recorded 40 (as a snapshot written meanwhile would be): not counted,
  // not removed.
  writer.purge_after(2, raft::SnapshotMetadata{40, 2, {}});
  writer.stop();
  mem.drop_unsynced();
  BOOST_TEST((*snapshotter.snapshot_names() == names_of({30, 40, 50})));
}

BOOST_AUTO_TEST_CASE(a_failed_purge__is_reported_once_by_take_purge_failure) {
  MemFileSystem mem;
  snap::Snapshotter snapshotter(mem, kSnapDir);
  SnapshotWriter writer(snapshotter, nullptr);
  write_snapshots(writer, 3);
  mem.fail_next_syncs(1);  // the purge's directory sync
  writer.purge_after(1, raft::SnapshotMetadata{30, 2, {}});
  writer.stop();
  BOOST_TEST(!writer.take_purge_failure().is_ok());
  BOOST_TEST(writer.take_purge_failure().is_ok());  // taken
}

// Records the thread that destroys it (a moved-from one records nothing).
struct DestroyedOn {
  explicit DestroyedOn(std::shared_ptr<std::atomic<std::thread::id>> w) : where(std::move(w)) {}
  DestroyedOn(DestroyedOn&&) noexcept = default;
  ~DestroyedOn() {
    if (where) where->store(std::this_thread::get_id());
  }
  std::shared_ptr<std::atomic<std::thread::id>> where;
};

// Whatever dispose() takes (entries a compaction discarded, a replaced store state) is
// destroyed on the writer thread, never the caller's, and the writer goes on with its jobs.
BOOST_AUTO_TEST_CASE(dispose__destroys_on_the_writer_thread_between_jobs) {
  MemFileSystem mem;
  snap::Snapshotter snapshotter(mem, kSnapDir);
  SnapshotWriter writer(snapshotter, nullptr);
  std::vector<raft::Entry> entries;
  for (std::uint64_t i = 1; i <= 1000; ++i) entries.push_back(raft::Entry{2, i, raft::EntryType::kNormal, std::string(100, 'e')});
  writer.dispose(std::move(entries));
  auto first = std::make_shared<std::atomic<std::thread::id>>();
  writer.dispose(DestroyedOn(first));
  write_snapshots(writer, 2);
  auto last = std::make_shared<std::atomic<std::thread::id>>();
  writer.dispose(DestroyedOn(last));  // after the jobs: still destroyed by the writer, by stop() at the latest
  writer.stop();
  BOOST_TEST((*snapshotter.snapshot_names() == names_of({10, 20})));
  for (const auto& where : {first, last}) {
    BOOST_TEST((where->load() != std::thread::id{}));  // destroyed
    BOOST_TEST((where->load() != std::this_thread::get_id()));
  }
}

// A writer paced at 1 KiB/s, at which the 3 MiB snapshots below would take 50 minutes: a
// write that finishes was hurried. submit() hands over a fresh PaceBreaker with each snapshot.
struct PacedWriter {
  MemFileSystem mem;
  snap::Snapshotter snapshotter{mem, kSnapDir, {}, snap::SavePacing{1024, nullptr}};
  test::CallCounter written;
  SnapshotWriter writer{snapshotter, [this] { written(); }};
  const std::string data = std::string(3u << 20, 'p');
  void submit() {
    auto breaker = snap::PaceBreaker::create();
    BOOST_REQUIRE(breaker.is_ok());
    writer.submit(snapshot_at(10, data), std::make_shared<snap::PaceBreaker>(std::move(*breaker)));
  }
  void check_durable() {
    mem.drop_unsynced();
    auto loaded = snapshotter.load();
    BOOST_REQUIRE(loaded.is_ok());
    BOOST_TEST((*loaded == snapshot_at(10, data)));
  }
};

// The first slice is written before the first wait, so the pacing is usually under way when
// hurry() comes; a hurry() that came first does as well (the breaker stays released).
BOOST_FIXTURE_TEST_CASE(hurry__ends_the_pace_of_the_write_in_flight_which_then_finishes_durably, PacedWriter) {
  submit();
  writer.hurry();
  written.wait_for(1);
  auto finished = writer.take_finished();
  BOOST_REQUIRE(finished.has_value());
  BOOST_TEST(finished->status.is_ok());
  check_durable();
}

// stop() lets the write in flight finish, unpaced.
BOOST_FIXTURE_TEST_CASE(stop__hurries_a_paced_write_and_waits_for_it, PacedWriter) {
  submit();
  writer.stop();
  BOOST_TEST(written.calls() == 1);
  check_durable();
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
