// DurableLog snapshots taken in the background: the raft thread goes on while the file
// is written; the marker, the compaction and the release of old files come only after the file
// is durable; a crash at any point recovers from the newest snapshot with a marker plus the WAL
// after it, with every saved entry; a snapshot from the leader is never overtaken by an older
// local one.
#include "server/node/durable_log.hpp"

#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshot_file_receiver.hpp"
#include "test/unit/node/gated_file_system.hpp"

namespace coord::node {
namespace {

const std::string kDataDir = "/data";
const std::string kSnapDir = "/data/member/snap";
const std::string kWalDir = "/data/member/wal";
constexpr std::uint64_t kMember = 1, kCluster = 7;
const raft::ConfState kConf{{kMember}};

std::string data_of(std::uint64_t index) { return "entry " + std::to_string(index) + std::string(200, 'p'); }
std::string state_at(std::uint64_t index) { return "store state at " + std::to_string(index); }

std::unique_ptr<DurableLog> open_log(FileSystem& fs, test::CallCounter* written = nullptr, std::size_t keep = 2,
                                     std::uint64_t catch_up_bytes = 64ull << 20) {
  DurableLogOptions options;
  options.catch_up_bytes = catch_up_bytes;
  options.max_snapshots = keep;
  options.max_wals = keep == 0 ? 0 : 1;
  options.wal_segment_bytes = 4096;  // a few entries per segment, so releases happen
  if (written != nullptr) options.on_snapshot_written = [written] { (*written)(); };
  auto log = DurableLog::open(fs, kDataDir, kMember, kCluster, options);
  BOOST_REQUIRE_MESSAGE(log.is_ok(), log.status().to_string());
  return std::move(*log);
}

// Saves entries first..last at term 2, committed, one Ready each, as the raft loop would.
void append(DurableLog& log, std::uint64_t first, std::uint64_t last) {
  for (std::uint64_t i = first; i <= last; ++i) {
    const std::vector<raft::Entry> entries{raft::Entry{2, i, raft::EntryType::kNormal, data_of(i)}};
    BOOST_REQUIRE(log.save(raft::HardState{2, kMember, i}, entries, true).is_ok());
  }
}

bool has_snapshot_file(MemFileSystem& fs, std::uint64_t index, std::uint64_t term = 2) {
  return fs.exists(kSnapDir + "/" + snap::snapshot_name(term, index));
}

std::size_t wal_segments(MemFileSystem& fs) {
  auto names = fs.list_dir(kWalDir);
  BOOST_REQUIRE(names.is_ok());
  std::size_t n = 0;
  for (const auto& name : *names)
    if (name.size() > 4 && name.substr(name.size() - 4) == ".wal") ++n;
  return n;
}

// After a crash: the log reopened on what survived must start at the snapshot `snapshot_index`
// (0 for none) with its state, and hold every entry after it up to `last`.
void check_recovery(MemFileSystem& fs, std::uint64_t snapshot_index, std::uint64_t last) {
  auto log = open_log(fs);
  const raft::Snapshot& snap = log->recovered_snapshot();
  BOOST_TEST(snap.metadata.index == snapshot_index);
  if (snapshot_index != 0) BOOST_TEST(log->recovered_data() == state_at(snapshot_index));
  raft::Storage& storage = log->storage();
  BOOST_TEST(storage.first_index() == snapshot_index + 1);
  BOOST_TEST(storage.last_index() == last);
  auto entries = storage.entries(snapshot_index + 1, last + 1, ~0ull);
  BOOST_REQUIRE(entries.is_ok());
  BOOST_REQUIRE(entries->size() == last - snapshot_index);
  for (const auto& e : *entries) BOOST_TEST(e.data == data_of(e.index));
}

// Starts a snapshot at `index` and waits until its writer is held at the gate, mid-write.
void start_held_snapshot(test::GatedFileSystem& fs, DurableLog& log, std::uint64_t index) {
  fs.close_gate();
  BOOST_REQUIRE(log.start_snapshot(index, kConf, state_at(index)).is_ok());
  fs.wait_until_held();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(durable_log_snapshot)

BOOST_AUTO_TEST_CASE(start_snapshot__returns_while_the_file_is_still_being_written) {
  MemFileSystem mem;
  test::GatedFileSystem fs(mem);
  test::CallCounter written;
  auto log = open_log(fs, &written);
  append(*log, 1, 30);
  start_held_snapshot(fs, *log, 20);
  // The raft thread goes on: more entries, and nothing to finish yet.
  append(*log, 31, 40);
  BOOST_TEST(log->snapshot_in_flight());
  auto outcome = log->finish_snapshot(5);
  BOOST_REQUIRE(outcome.is_ok());
  BOOST_TEST((*outcome == SnapshotOutcome::kNotReady));
  BOOST_TEST(log->storage().first_index() == 1u);  // nothing compacted before the file is durable
  fs.open_gate();
  written.wait_for(1);
  outcome = log->finish_snapshot(5);
  BOOST_REQUIRE(outcome.is_ok());
  BOOST_TEST((*outcome == SnapshotOutcome::kRecorded));
  BOOST_TEST(!log->snapshot_in_flight());
  BOOST_TEST(log->storage().first_index() == 16u);  // compacted to 20 - 5 keep entries
  BOOST_TEST(log->storage().last_index() == 40u);
}

BOOST_AUTO_TEST_CASE(the_entries_kept_after_a_snapshot__are_capped_by_catch_up_bytes_too) {
  MemFileSystem mem;
  // data_of() is 209-210 bytes: 1000 bytes hold 4 entries, not the 5 finish_snapshot() allows.
  auto log = open_log(mem, nullptr, 2, 1000);
  append(*log, 1, 30);
  auto outcome = log->create_snapshot(20, kConf, state_at(20), 5);
  BOOST_REQUIRE(outcome.is_ok());
  BOOST_TEST((*outcome == SnapshotOutcome::kRecorded));
  BOOST_TEST(log->storage().first_index() == 17u);  // 17..20 kept, and everything after 20
  BOOST_TEST(log->storage().last_index() == 30u);
  log.reset();
  mem.drop_unsynced();
  check_recovery(mem, 20, 30);
}

// A follower being sent a snapshot while the load goes on: its log will end at that snapshot,
// before what keep_entries keeps. The entries after it are kept too, as far as catch_up_bytes
// allows, so it can catch up from them instead of by another snapshot.
BOOST_AUTO_TEST_CASE(the_entries_a_follower_behind_needs__are_kept_within_catch_up_bytes) {
  {
    MemFileSystem mem;
    auto log = open_log(mem);
    append(*log, 1, 40);
    BOOST_REQUIRE(log->create_snapshot(30, kConf, state_at(30), 5, 12).is_ok());
    BOOST_TEST(log->storage().first_index() == 13u);  // 13..40: the follower's next entry on
    BOOST_TEST(log->storage().last_index() == 40u);
  }
  {
    MemFileSystem mem;
    auto log = open_log(mem);
    append(*log, 1, 40);
    BOOST_REQUIRE(log->create_snapshot(30, kConf, state_at(30), 5, 28).is_ok());
    BOOST_TEST(log->storage().first_index() == 26u);  // keep_entries already keeps more (26..30)
  }
  {
    MemFileSystem mem;
    // data_of() is 209-210 bytes: 2000 bytes hold 9 entries before the snapshot's index.
    auto log = open_log(mem, nullptr, 2, 2000);
    append(*log, 1, 40);
    BOOST_REQUIRE(log->create_snapshot(30, kConf, state_at(30), 5, 12).is_ok());
    BOOST_TEST(log->storage().first_index() == 22u);  // 22..30 is all the bytes allow: it gets a snapshot
    log.reset();
    mem.drop_unsynced();
    check_recovery(mem, 30, 40);
  }
}

BOOST_AUTO_TEST_CASE(old_wal_segments_and_snapshots__are_released_only_after_the_marker) {
  MemFileSystem mem;
  test::GatedFileSystem fs(mem);
  test::CallCounter written;
  auto log = open_log(fs, &written);
  append(*log, 1, 60);  // about 13 KB of entries: several 4 KB segments
  const std::size_t segments = wal_segments(mem);
  BOOST_REQUIRE(segments > 2);
  start_held_snapshot(fs, *log, 50);
  BOOST_TEST(wal_segments(mem) == segments);
  fs.open_gate();
  written.wait_for(1);
  BOOST_TEST(wal_segments(mem) == segments);  // durable file, no marker yet: still needed
  BOOST_REQUIRE(log->finish_snapshot(5).is_ok());
  BOOST_TEST(wal_segments(mem) < segments);
}

BOOST_AUTO_TEST_CASE(crash_while_the_file_is_half_written__recovers_the_previous_snapshot_and_every_entry) {
  MemFileSystem mem;
  test::GatedFileSystem fs(mem);
  test::CallCounter written;
  auto log = open_log(fs, &written);
  append(*log, 1, 30);
  BOOST_REQUIRE(log->create_snapshot(10, kConf, state_at(10), 5).is_ok());
  fs.close_gate();
  BOOST_REQUIRE(log->start_snapshot(30, kConf, state_at(30)).is_ok());
  fs.wait_until_held();  // temp file written and fsync'ed, not renamed into place
  append(*log, 31, 45);
  mem.drop_unsynced();  // the crash
  check_recovery(mem, 10, 45);
  BOOST_TEST(!has_snapshot_file(mem, 30));
  fs.open_gate();  // let the dead process's writer go so the test can end
}

BOOST_AUTO_TEST_CASE(crash_with_a_torn_temp_file__recovers_the_previous_snapshot_and_every_entry) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    MemFileSystem mem;
    test::GatedFileSystem fs(mem);
    auto log = open_log(fs);
    append(*log, 1, 30);
    BOOST_REQUIRE(log->create_snapshot(10, kConf, state_at(10), 5).is_ok());
    // A temp file that reached the disk only in part (the directory entry made durable too,
    // the worst case): recovery must skip and remove it.
    mem.put_file(kSnapDir + "/" + snap::snapshot_name(2, 30) + ".tmp", state_at(30).substr(0, seed));
    append(*log, 31, 45);
    mem.drop_unsynced_tearing(seed);
    log.reset();
    check_recovery(mem, 10, 45);
    BOOST_TEST(!mem.exists(kSnapDir + "/" + snap::snapshot_name(2, 30) + ".tmp"));
  }
}

BOOST_AUTO_TEST_CASE(crash_after_the_file_is_durable_but_before_its_marker__recovers_the_previous_snapshot) {
  MemFileSystem mem;
  test::CallCounter written;
  auto log = open_log(mem, &written);
  append(*log, 1, 30);
  BOOST_REQUIRE(log->create_snapshot(10, kConf, state_at(10), 5).is_ok());
  BOOST_REQUIRE(log->start_snapshot(30, kConf, state_at(30)).is_ok());
  written.wait_for(2);  // create_snapshot's write, then this one
  append(*log, 31, 45);
  mem.drop_unsynced();  // the raft thread never got to finish_snapshot()
  log.reset();
  BOOST_TEST(has_snapshot_file(mem, 30));  // there, but the WAL does not know it
  check_recovery(mem, 10, 45);
}

BOOST_AUTO_TEST_CASE(crash_with_no_earlier_snapshot_and_no_marker__replays_the_whole_wal) {
  MemFileSystem mem;
  test::CallCounter written;
  auto log = open_log(mem, &written);
  append(*log, 1, 30);
  BOOST_REQUIRE(log->start_snapshot(30, kConf, state_at(30)).is_ok());
  written.wait_for(1);
  mem.drop_unsynced();
  log.reset();
  check_recovery(mem, 0, 30);
}

BOOST_AUTO_TEST_CASE(crash_after_the_marker__recovers_the_new_snapshot_and_the_entries_after_it) {
  MemFileSystem mem;
  test::CallCounter written;
  auto log = open_log(mem, &written);
  append(*log, 1, 30);
  BOOST_REQUIRE(log->start_snapshot(25, kConf, state_at(25)).is_ok());
  append(*log, 31, 40);  // saved while the snapshot is in flight: WAL records before the marker
  written.wait_for(1);
  auto outcome = log->finish_snapshot(5);
  BOOST_REQUIRE(outcome.is_ok());
  BOOST_TEST((*outcome == SnapshotOutcome::kRecorded));
  append(*log, 41, 50);
  mem.drop_unsynced();
  log.reset();
  check_recovery(mem, 25, 50);
}

BOOST_AUTO_TEST_CASE(a_failed_write__is_an_error_and_writes_no_marker) {
  MemFileSystem mem;
  test::CallCounter written;
  auto log = open_log(mem, &written);
  append(*log, 1, 30);
  mem.fail_next_syncs(1);  // the snapshot temp file's fsync
  BOOST_REQUIRE(log->start_snapshot(30, kConf, state_at(30)).is_ok());
  written.wait_for(1);
  BOOST_TEST(!log->finish_snapshot(5).is_ok());
  BOOST_TEST(log->storage().first_index() == 1u);
  mem.drop_unsynced();
  log.reset();
  check_recovery(mem, 0, 30);
}

BOOST_AUTO_TEST_CASE(a_snapshot_from_the_leader_while_a_local_one_is_in_flight__drops_the_local_one) {
  MemFileSystem mem;
  test::GatedFileSystem fs(mem);
  test::CallCounter written;
  auto log = open_log(fs, &written);
  append(*log, 1, 30);
  start_held_snapshot(fs, *log, 30);
  // The leader's snapshot is written on this (the raft) thread meanwhile.
  fs.open_gate();  // its own rename must pass; the local writer passes too, in either order
  const raft::Snapshot leader{raft::SnapshotMetadata{80, 3, kConf}, state_at(80)};
  BOOST_REQUIRE(log->save_received_snapshot(leader).is_ok());
  written.wait_for(1);
  auto outcome = log->finish_snapshot(5);
  BOOST_REQUIRE(outcome.is_ok());
  BOOST_TEST((*outcome == SnapshotOutcome::kDropped));
  auto base = log->storage().snapshot();
  BOOST_REQUIRE(base.is_ok());
  BOOST_TEST(base->metadata.index == 80u);
  BOOST_TEST(base->data.empty());  // metadata only: the file holds the data
  auto image = log->snapshot_image(base->metadata);
  BOOST_REQUIRE(image.is_ok());
  BOOST_TEST(image->data() == state_at(80));
  BOOST_TEST(log->storage().first_index() == 81u);
  BOOST_TEST(!has_snapshot_file(mem, 30));  // the stale file is gone
  mem.drop_unsynced();
  log.reset();
  auto reopened = open_log(mem);
  BOOST_TEST(reopened->recovered_snapshot().metadata.index == 80u);
  BOOST_TEST(reopened->recovered_data() == state_at(80));
}

BOOST_AUTO_TEST_CASE(the_in_memory_log_and_raft__see_snapshot_metadata_only__the_data_is_in_the_file) {
  MemFileSystem mem;
  {
    auto log = open_log(mem);
    append(*log, 1, 30);
    BOOST_REQUIRE(log->create_snapshot(20, kConf, state_at(20), 5).is_ok());
    auto held = log->memory().snapshot();
    BOOST_REQUIRE(held.is_ok());
    BOOST_TEST(held->metadata.index == 20u);
    BOOST_TEST(held->data.empty());
    auto served = log->storage().snapshot();  // what raft sends to a follower: no data read
    BOOST_REQUIRE(served.is_ok());
    BOOST_TEST(served->data.empty());
    BOOST_TEST(served->metadata.index == 20u);
    BOOST_TEST((served->metadata.conf_state == kConf));
    auto image = log->snapshot_image(served->metadata);  // what the transport streams
    BOOST_REQUIRE(image.is_ok());
    BOOST_TEST(image->data() == state_at(20));
  }
  auto log = open_log(mem);
  BOOST_TEST(log->recovered_data() == state_at(20));
  log->release_recovered_data();
  BOOST_TEST(log->recovered_data().empty());
  BOOST_TEST(log->recovered_snapshot().metadata.index == 20u);
  BOOST_TEST(log->memory().snapshot()->data.empty());
  BOOST_TEST(log->storage().snapshot()->data.empty());
}

BOOST_AUTO_TEST_CASE(a_received_snapshot_without_data__needs_its_file_in_place_and_installs_from_it) {
  MemFileSystem mem;
  auto log = open_log(mem);
  append(*log, 1, 30);
  const raft::Snapshot leader{raft::SnapshotMetadata{80, 3, kConf}, {}};
  // No file: refused (the transport writes the file before it steps the message).
  BOOST_TEST((log->save_received_snapshot(leader).code() == StatusCode::kNotFound));
  {
    // The transport's part: the file, streamed into the snapshot directory.
    snap::Snapshotter elsewhere(mem, "/leader/snap");
    BOOST_REQUIRE(elsewhere.save(raft::Snapshot{leader.metadata, state_at(80)}).is_ok());
    auto bytes = mem.read_file("/leader/snap/" + snap::snapshot_name(3, 80));
    BOOST_REQUIRE(bytes.is_ok());
    auto r = snap::SnapshotFileReceiver::begin(mem, kSnapDir, leader.metadata, bytes->size());
    BOOST_REQUIRE(r.is_ok());
    BOOST_REQUIRE((*r)->append(*bytes).is_ok());
    BOOST_REQUIRE((*r)->finish().is_ok());
  }
  BOOST_REQUIRE(log->save_received_snapshot(leader).is_ok());
  BOOST_TEST(log->storage().snapshot()->metadata.index == 80u);
  auto image = log->snapshot_image(leader.metadata);
  BOOST_REQUIRE(image.is_ok());
  BOOST_TEST(image->data() == state_at(80));
  mem.drop_unsynced();  // the file and its marker were durable
  log.reset();
  auto reopened = open_log(mem);
  BOOST_TEST(reopened->recovered_snapshot().metadata.index == 80u);
  BOOST_TEST(reopened->recovered_data() == state_at(80));
}

BOOST_AUTO_TEST_CASE(stop_snapshot_writer__finishes_the_write_but_records_nothing) {
  MemFileSystem mem;
  auto log = open_log(mem);
  append(*log, 1, 30);
  BOOST_REQUIRE(log->start_snapshot(30, kConf, state_at(30)).is_ok());
  log->stop_snapshot_writer();
  BOOST_TEST(has_snapshot_file(mem, 30));
  log.reset();
  check_recovery(mem, 0, 30);
}

BOOST_AUTO_TEST_CASE(wait_and_finish_snapshot__records_a_write_in_flight_for_a_graceful_stop) {
  MemFileSystem mem;
  auto log = open_log(mem);
  append(*log, 1, 30);
  auto none = log->wait_and_finish_snapshot(5);
  BOOST_REQUIRE(none.is_ok());
  BOOST_TEST((*none == SnapshotOutcome::kNotReady));  // nothing in flight: returns at once
  BOOST_REQUIRE(log->start_snapshot(30, kConf, state_at(30)).is_ok());
  auto outcome = log->wait_and_finish_snapshot(5);
  BOOST_REQUIRE(outcome.is_ok());
  BOOST_TEST((*outcome == SnapshotOutcome::kRecorded));
  BOOST_TEST(!log->snapshot_in_flight());
  mem.drop_unsynced();
  log.reset();
  check_recovery(mem, 30, 30);
}

BOOST_AUTO_TEST_CASE(snapshots_in_a_row__each_one_after_the_previous_is_recorded) {
  MemFileSystem mem;
  test::CallCounter written;
  auto log = open_log(mem, &written);
  std::uint64_t last = 0;
  for (int round = 1; round <= 6; ++round) {
    append(*log, last + 1, last + 20);
    last += 20;
    BOOST_REQUIRE(!log->snapshot_in_flight());
    BOOST_REQUIRE(log->start_snapshot(last - 3, kConf, state_at(last - 3)).is_ok());
    written.wait_for(round);
    auto outcome = log->finish_snapshot(5);
    BOOST_REQUIRE(outcome.is_ok());
    BOOST_TEST((*outcome == SnapshotOutcome::kRecorded));
  }
  log.reset();  // the writer thread purges old files; it finishes a purge before it stops
  auto names = mem.list_dir(kSnapDir);
  BOOST_REQUIRE(names.is_ok());
  BOOST_TEST(names->size() == 2u);  // max_snapshots
  mem.drop_unsynced();
  check_recovery(mem, last - 3, last);
}

BOOST_AUTO_TEST_CASE(max_snapshots_and_max_wals_zero__keep_every_file) {
  MemFileSystem mem;
  test::CallCounter written;
  auto log = open_log(mem, &written, 0);
  append(*log, 1, 60);
  const std::size_t segments = wal_segments(mem);
  for (std::uint64_t index : {20, 40, 60}) BOOST_REQUIRE(log->create_snapshot(index, kConf, state_at(index), 5).is_ok());
  BOOST_TEST(has_snapshot_file(mem, 20));
  BOOST_TEST(has_snapshot_file(mem, 60));  // the recorded one is never purged
  BOOST_TEST(wal_segments(mem) >= segments);
  mem.drop_unsynced();
  log.reset();
  check_recovery(mem, 60, 60);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
