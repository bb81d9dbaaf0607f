// The WAL's normal life: round trips, reopening, group commit, rotation, overwrites, snapshot
// markers, release and creation rules. Corruption and crashes: wal_recovery_test.cpp.
#include "server/wal/wal.hpp"

#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/wal/wal_format.hpp"
#include "server/wal/wal_reader.hpp"
#include "test/support/file/log_fixtures.hpp"

namespace coord::wal {
namespace {

const std::string kDir = "/data/member/wal";
constexpr WalOptions kSmall{.segment_bytes = 4096};

std::unique_ptr<Wal> create_wal(MemFileSystem& fs, WalOptions options = kSmall) {
  auto wal = Wal::create(fs, kDir, "node=1 cluster=7", options);
  BOOST_REQUIRE_MESSAGE(wal.is_ok(), wal.status().to_string());
  return std::move(*wal);
}

std::pair<std::unique_ptr<Wal>, WalContents> open_wal(MemFileSystem& fs, raft::SnapshotMetadata from = {},
                                                      WalOptions options = kSmall) {
  auto r = Wal::open(fs, kDir, from, options);
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return std::move(*r);
}

raft::HardState hs(std::uint64_t term, std::uint64_t vote, std::uint64_t commit) { return {term, vote, commit}; }

std::vector<raft::Entry> concat(std::vector<raft::Entry> a, const std::vector<raft::Entry>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wal)

BOOST_AUTO_TEST_CASE(save_then_open__round_trips_metadata_entries_and_hard_state) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  const auto entries = test::make_entries(1, 20, 1, 10);
  BOOST_REQUIRE(wal->save(hs(1, 2, 15), entries, true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());

  auto [reopened, contents] = open_wal(fs);
  BOOST_TEST(contents.metadata == "node=1 cluster=7");
  BOOST_TEST((contents.hard_state == hs(1, 2, 15)));
  BOOST_TEST((contents.entries == entries));
  BOOST_TEST(contents.snapshot.index == 0u);
}

BOOST_AUTO_TEST_CASE(open__after_close_continues_appending_where_it_stopped) {
  MemFileSystem fs;
  {
    auto wal = create_wal(fs);
    BOOST_REQUIRE(wal->save(hs(1, 1, 3), test::make_entries(1, 5, 1), true).is_ok());
    BOOST_REQUIRE(wal->close().is_ok());
  }
  {
    auto [wal, contents] = open_wal(fs);
    BOOST_TEST(wal->last_index() == 5u);
    BOOST_REQUIRE(wal->save(hs(2, 1, 7), test::make_entries(6, 9, 2), true).is_ok());
    BOOST_REQUIRE(wal->close().is_ok());
  }
  auto [wal, contents] = open_wal(fs);
  BOOST_TEST((contents.entries == concat(test::make_entries(1, 5, 1), test::make_entries(6, 9, 2))));
  BOOST_TEST((contents.hard_state == hs(2, 1, 7)));
}

BOOST_AUTO_TEST_CASE(save__hard_state_alone_is_persisted_and_the_latest_wins) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save(hs(3, 2, 0), {}, true).is_ok());
  BOOST_REQUIRE(wal->save(hs(4, 0, 0), {}, true).is_ok());
  wal.reset();  // no close: as after kill -9
  auto [reopened, contents] = open_wal(fs);
  BOOST_TEST((contents.hard_state == hs(4, 0, 0)));
  BOOST_TEST(contents.entries.empty());
}

BOOST_AUTO_TEST_CASE(save__issues_one_write_and_one_datasync_per_call) {
  MemFileSystem fs;
  auto wal = create_wal(fs, WalOptions{.segment_bytes = 1 << 20});
  const auto syncs = fs.data_syncs();
  const auto writes = fs.writes();
  BOOST_REQUIRE(wal->save(hs(1, 1, 0), test::make_entries(1, 100, 1), true).is_ok());
  BOOST_TEST(fs.data_syncs() - syncs == 1u);
  BOOST_TEST(fs.writes() - writes == 2u);  // the zeros ahead (to the end of this 1 MiB segment), the batch
  BOOST_REQUIRE(wal->save(hs(1, 1, 100), test::make_entries(101, 200, 1), false).is_ok());
  BOOST_TEST(fs.data_syncs() - syncs == 1u);  // sync=false: no fdatasync
  BOOST_TEST(fs.writes() - writes == 3u);
}

// The segment is written with zeros 1 MiB ahead of the data, refilled a slice at a time once the
// data comes within half a slice (wal.hpp, "Zero-filled ahead"): ~4 MB of batches take five
// slices (at 0, then once the data passes 0.5, 1.5, 2.5 and 3.5 MiB). The zeros never touch a
// record: after a crash the log reads back whole, and goes on after a reopen.
BOOST_AUTO_TEST_CASE(save__writes_zeros_ahead_of_its_data_a_slice_at_a_time) {
  MemFileSystem fs;
  const WalOptions big{.segment_bytes = 64 << 20};
  auto wal = create_wal(fs, big);
  const auto writes = fs.writes();
  std::vector<raft::Entry> all;
  for (std::uint64_t i = 1; i <= 100; ++i) {
    std::vector<raft::Entry> batch{raft::Entry{1, i, raft::EntryType::kNormal, std::string(40000, 'a' + i % 26)}};
    all.push_back(batch.front());
    BOOST_REQUIRE(wal->save(hs(1, 1, i - 1), batch, true).is_ok());
  }
  BOOST_TEST(fs.writes() - writes == 100u + 5u);
  wal.reset();  // no close: as after kill -9
  fs.drop_unsynced();
  {
    auto [reopened, contents] = open_wal(fs, {}, big);
    BOOST_TEST((contents.entries == all));
    std::vector<raft::Entry> more{raft::Entry{1, 101, raft::EntryType::kNormal, std::string(40000, 'z')}};
    all.push_back(more.front());
    BOOST_REQUIRE(reopened->save(hs(1, 1, 100), more, true).is_ok());
  }
  fs.drop_unsynced();
  auto [reopened, contents] = open_wal(fs, {}, big);
  BOOST_TEST((contents.entries == all));
}

BOOST_AUTO_TEST_CASE(save__empty_batch_writes_nothing) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  const auto writes = fs.writes();
  BOOST_REQUIRE(wal->save({}, {}, true).is_ok());
  BOOST_TEST(fs.writes() == writes);
}

BOOST_AUTO_TEST_CASE(save__rotates_full_segments_and_open_replays_across_them) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  std::vector<raft::Entry> all;
  for (std::uint64_t i = 1; i <= 300; i += 3) {
    auto batch = test::make_entries(i, i + 2, 1, 40);
    BOOST_REQUIRE(wal->save(hs(1, 1, i), batch, i % 2 == 1).is_ok());
    all = concat(std::move(all), batch);
  }
  const auto files = wal->segment_files();
  BOOST_TEST(files.size() > 5u);
  BOOST_REQUIRE(wal->close().is_ok());

  // Each segment is named after the first index it was cut for: the previous one's last + 1.
  auto names = fs.list_dir(kDir);
  BOOST_REQUIRE(names.is_ok());
  std::uint64_t expected_seq = 0;
  for (const auto& n : *names) {
    auto parsed = parse_segment_name(n);
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->seq == expected_seq++);
    BOOST_TEST((parsed->first_index == 0 || (parsed->first_index - 1) % 3 == 0));
  }
  auto [reopened, contents] = open_wal(fs);
  BOOST_TEST((contents.entries == all));
  BOOST_TEST((contents.hard_state == hs(1, 1, 298)));
}

BOOST_AUTO_TEST_CASE(open__later_entries_overwrite_the_suffix_after_a_term_change) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save(hs(1, 1, 3), test::make_entries(1, 10, 1), true).is_ok());
  // A new leader in term 2 overwrites 6.. with a shorter log, then appends more in term 3.
  BOOST_REQUIRE(wal->save(hs(2, 2, 5), test::make_entries(6, 7, 2), true).is_ok());
  BOOST_REQUIRE(wal->save(hs(3, 3, 5), test::make_entries(8, 8, 3), true).is_ok());
  BOOST_TEST(wal->last_index() == 8u);
  BOOST_REQUIRE(wal->close().is_ok());

  auto [reopened, contents] = open_wal(fs);
  const auto expected =
      concat(concat(test::make_entries(1, 5, 1), test::make_entries(6, 7, 2)), test::make_entries(8, 8, 3));
  BOOST_TEST((contents.entries == expected));
}

BOOST_AUTO_TEST_CASE(open__overwrite_across_a_segment_boundary_keeps_the_later_records) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= 60; i += 10) BOOST_REQUIRE(wal->save(hs(1, 1, 0), test::make_entries(i, i + 9, 1, 60), true).is_ok());
  BOOST_REQUIRE(wal->segment_files().size() > 1u);
  BOOST_REQUIRE(wal->save(hs(2, 2, 0), test::make_entries(15, 16, 2), true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());
  auto [reopened, contents] = open_wal(fs);
  BOOST_TEST((contents.entries == concat(test::make_entries(1, 14, 1, 60), test::make_entries(15, 16, 2))));
}

BOOST_AUTO_TEST_CASE(open__from_a_snapshot_marker_returns_only_later_entries) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save(hs(1, 1, 10), test::make_entries(1, 10, 1), true).is_ok());
  const raft::SnapshotMetadata snap{8, 1, {{1, 2, 3}}};
  BOOST_REQUIRE(wal->save_snapshot_marker(snap).is_ok());
  BOOST_REQUIRE(wal->save(hs(1, 1, 12), test::make_entries(11, 12, 1), true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());

  auto [reopened, contents] = open_wal(fs, {8, 1, {}});
  BOOST_TEST((contents.entries == test::make_entries(9, 12, 1)));
  BOOST_TEST((contents.snapshot == snap));  // the marker, with its conf state
  BOOST_TEST((contents.hard_state == hs(1, 1, 12)));
}

BOOST_AUTO_TEST_CASE(open__from_a_snapshot_without_a_marker_in_the_wal_fails) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save(hs(1, 1, 10), test::make_entries(1, 10, 1), true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());
  auto r = Wal::open(fs, kDir, {50, 3, {}}, kSmall);
  BOOST_REQUIRE(!r.is_ok());
  BOOST_TEST((r.status().code() == StatusCode::kNotFound));
  BOOST_TEST(r.status().message().find("snapshot marker") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(open__after_an_installed_snapshot_the_log_restarts_past_it) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save(hs(1, 1, 3), test::make_entries(1, 3, 1), true).is_ok());
  // The leader sent a snapshot at 100: the follower's log now continues at 101.
  BOOST_REQUIRE(wal->save_snapshot_marker({100, 4, {{1, 2}}}).is_ok());
  BOOST_TEST(wal->last_index() == 100u);
  BOOST_REQUIRE(wal->save(hs(4, 2, 101), test::make_entries(101, 102, 4), true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());

  auto [reopened, contents] = open_wal(fs, {100, 4, {}});
  BOOST_TEST((contents.entries == test::make_entries(101, 102, 4)));
  BOOST_TEST(reopened->close().is_ok());
  // Opening from before the jump cannot give a contiguous log: a hard error.
  auto old = Wal::open(fs, kDir, {}, kSmall);
  BOOST_TEST(!old.is_ok());
}

BOOST_AUTO_TEST_CASE(open__from_a_snapshot_in_a_later_segment_starts_there) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= 200; i += 10) BOOST_REQUIRE(wal->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
  BOOST_REQUIRE(wal->save_snapshot_marker({150, 1, {{1}}}).is_ok());
  BOOST_REQUIRE(wal->save(hs(1, 1, 200), test::make_entries(201, 230, 1, 50), true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());
  auto [reopened, contents] = open_wal(fs, {150, 1, {}});
  BOOST_TEST((contents.entries == test::make_entries(151, 230, 1, 50)));
}

BOOST_AUTO_TEST_CASE(open__tells_a_snapshot_marker_from_an_entry_at_the_same_point) {
  // A restart chooses its snapshot by this (DurableLog::open): a snapshot file whose marker never
  // came is passed over even though the WAL holds the entry at its index and term.
  MemFileSystem fs;
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= 200; i += 10) BOOST_REQUIRE(wal->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
  BOOST_REQUIRE(wal->save_snapshot_marker({150, 1, {{1}}}).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());
  auto marked = Wal::open(fs, kDir, {150, 1, {}}, kSmall);
  BOOST_REQUIRE_MESSAGE(marked.is_ok(), marked.status().to_string());
  BOOST_TEST(marked->second.marker_for_from);
  marked->first.reset();
  auto entry_only = Wal::open(fs, kDir, {180, 1, {}}, kSmall);
  BOOST_REQUIRE_MESSAGE(entry_only.is_ok(), entry_only.status().to_string());
  BOOST_TEST(!entry_only->second.marker_for_from);
  BOOST_TEST((entry_only->second.entries == test::make_entries(181, 200, 1, 50)));
  entry_only->first.reset();
  BOOST_TEST(!Wal::open(fs, kDir, {}, kSmall)->second.marker_for_from);
}

BOOST_AUTO_TEST_CASE(snapshot_markers__lists_every_marker_so_a_usable_snapshot_can_be_chosen) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= 200; i += 10) {
    BOOST_REQUIRE(wal->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
    if (i % 50 == 1) BOOST_REQUIRE(wal->save_snapshot_marker({i + 9, 1, {{1}}}).is_ok());
  }
  BOOST_REQUIRE(wal->close().is_ok());
  auto markers = Wal::snapshot_markers(fs, kDir);
  BOOST_REQUIRE(markers.is_ok());
  std::vector<std::uint64_t> indexes;
  for (const auto& m : *markers) {
    if (indexes.empty() || indexes.back() != m.index) indexes.push_back(m.index);  // preambles repeat them
  }
  BOOST_TEST((indexes == std::vector<std::uint64_t>{10, 60, 110, 160}));
  for (auto i : indexes) {
    auto r = Wal::open(fs, kDir, {i, 1, {}}, kSmall);
    BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    BOOST_TEST((r->second.entries == test::make_entries(i + 1, 200, 1, 50)));
  }
}

BOOST_AUTO_TEST_CASE(read_recorded_metadata__reads_it_from_the_newest_segments_preamble) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= 200; i += 10) BOOST_REQUIRE(wal->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
  const auto files = wal->segment_files();
  BOOST_REQUIRE(files.size() > 2u);
  auto metadata = read_recorded_metadata(fs, kDir);
  BOOST_REQUIRE_MESSAGE(metadata.is_ok(), metadata.status().to_string());
  BOOST_TEST(*metadata == "node=1 cluster=7");

  // Only the newest segment's preamble is read: damage there is reported, damage in an older
  // segment is left to the full replay.
  fs.flip_byte(files.front(), 20);
  BOOST_TEST(read_recorded_metadata(fs, kDir).is_ok());
  fs.flip_byte(files.back(), 20);
  auto damaged = read_recorded_metadata(fs, kDir);
  BOOST_REQUIRE(!damaged.is_ok());
  BOOST_TEST((damaged.status().code() == StatusCode::kCorruption));
  BOOST_TEST(damaged.status().message().find(files.back()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(release_to__keeps_keep_files_and_every_segment_after_the_index) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= 400; i += 10) BOOST_REQUIRE(wal->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
  const auto before = wal->segment_files();
  BOOST_REQUIRE(before.size() > 8u);

  // Everything is <= 1000, but `keep` files must stay.
  BOOST_REQUIRE(wal->release_to(1000, 5).is_ok());
  BOOST_TEST(wal->segment_files().size() == 5u);
  BOOST_TEST(wal->segment_files().back() == before.back());

  // Nothing may go that holds an entry after 100: the first kept segment starts at <= 101.
  MemFileSystem fs2;
  auto wal2 = create_wal(fs2);
  for (std::uint64_t i = 1; i <= 400; i += 10) BOOST_REQUIRE(wal2->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
  BOOST_REQUIRE(wal2->save_snapshot_marker({100, 1, {}}).is_ok());
  BOOST_REQUIRE(wal2->release_to(100, 1).is_ok());
  const auto kept = wal2->segment_files();
  BOOST_REQUIRE(!kept.empty());
  auto first = parse_segment_name(kept.front().substr(kDir.size() + 1));
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->first_index <= 101u);
  BOOST_TEST(first->seq > 0u);  // something was released
  BOOST_REQUIRE(wal2->close().is_ok());
  auto [reopened, contents] = open_wal(fs2, {100, 1, {}});
  BOOST_TEST((contents.entries == test::make_entries(101, 400, 1, 50)));
}

BOOST_AUTO_TEST_CASE(open__from_a_snapshot_older_than_the_released_segments_is_a_hard_error) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= 100; i += 10) BOOST_REQUIRE(wal->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
  BOOST_REQUIRE(wal->save_snapshot_marker({100, 1, {}}).is_ok());
  for (std::uint64_t i = 101; i <= 400; i += 10) BOOST_REQUIRE(wal->save(hs(1, 1, i), test::make_entries(i, i + 9, 1, 50), true).is_ok());
  BOOST_REQUIRE(wal->release_to(300, 1).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());
  auto r = Wal::open(fs, kDir, {100, 1, {}}, kSmall);
  BOOST_REQUIRE(!r.is_ok());
  BOOST_TEST((r.status().code() == StatusCode::kCorruption));
  BOOST_TEST(r.status().message().find("released") != std::string::npos, r.status().message());
}

BOOST_AUTO_TEST_CASE(create__fails_in_a_directory_that_already_holds_a_wal) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->close().is_ok());
  BOOST_TEST(Wal::exists(fs, kDir));
  auto again = Wal::create(fs, kDir, "other", kSmall);
  BOOST_TEST(!again.is_ok());
}

BOOST_AUTO_TEST_CASE(exists__is_false_for_a_missing_or_empty_directory) {
  MemFileSystem fs;
  BOOST_TEST(!Wal::exists(fs, kDir));
  BOOST_REQUIRE(fs.mkdirs(kDir).is_ok());
  BOOST_TEST(!Wal::exists(fs, kDir));
}

BOOST_AUTO_TEST_CASE(open__fails_while_another_wal_holds_the_directory) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  auto second = Wal::open(fs, kDir, {}, kSmall);
  BOOST_REQUIRE(!second.is_ok());
  BOOST_TEST((second.status().code() == StatusCode::kUnavailable));
  BOOST_REQUIRE(wal->close().is_ok());
  BOOST_TEST(Wal::open(fs, kDir, {}, kSmall).is_ok());
}

BOOST_AUTO_TEST_CASE(save__after_an_io_error_refuses_every_later_write) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save(hs(1, 1, 0), test::make_entries(1, 2, 1), true).is_ok());
  fs.fail_next_syncs(1);
  BOOST_TEST(!wal->save(hs(1, 1, 0), test::make_entries(3, 4, 1), true).is_ok());
  // The fsync failed: whether 3..4 reached the disk is unknown, so nothing more is accepted.
  const auto s = wal->save(hs(1, 1, 0), test::make_entries(5, 5, 1), true);
  BOOST_TEST(!s.is_ok());
  BOOST_TEST(s.message().find("injected") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(save__refuses_entries_that_would_leave_a_gap_in_the_log) {
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save(hs(1, 1, 0), test::make_entries(1, 3, 1), true).is_ok());
  BOOST_TEST(!wal->save(hs(1, 1, 0), test::make_entries(5, 6, 1), true).is_ok());
  auto holed = test::make_entries(4, 6, 1);
  holed.erase(holed.begin() + 1);
  BOOST_TEST(!wal->save(hs(1, 1, 0), holed, true).is_ok());
  BOOST_REQUIRE(wal->save(hs(1, 1, 0), test::make_entries(4, 4, 1), true).is_ok());  // still usable
  BOOST_REQUIRE(wal->close().is_ok());
  auto [reopened, contents] = open_wal(fs);
  BOOST_TEST((contents.entries == test::make_entries(1, 4, 1)));
}

BOOST_AUTO_TEST_CASE(save__adds_each_written_batch_to_written_bytes) {
  MemFileSystem fs;
  std::atomic<std::uint64_t> written{0};
  WalOptions options = kSmall;
  options.segment_bytes = 1 << 20;
  options.written_bytes = &written;
  auto wal = create_wal(fs, options);
  const std::uint64_t at_create = written.load();
  const auto entries = test::make_entries(1, 20, 1, 10);
  std::uint64_t payload = 0;
  for (const auto& e : entries) payload += e.data.size();
  BOOST_REQUIRE(wal->save(hs(1, 1, 0), entries, true).is_ok());
  const std::uint64_t after_entries = written.load() - at_create;
  BOOST_TEST(after_entries > payload);  // every entry, with its record framing
  BOOST_REQUIRE(wal->save(hs(1, 1, 20), {}, false).is_ok());
  const std::uint64_t hard_state_only = written.load() - at_create - after_entries;
  BOOST_TEST(hard_state_only > 0u);
  BOOST_TEST(hard_state_only < after_entries);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::wal
