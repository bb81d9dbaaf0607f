#include "server/snap/snapshotter.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <vector>

#include "server/common/file_mem.hpp"
#include "server/snap/snap_format.hpp"
#include "test/support/file/log_fixtures.hpp"

namespace coord::snap {
namespace {

const std::string kDir = "/data/member/snap";

std::string path_of(std::uint64_t term, std::uint64_t index) { return kDir + "/" + snapshot_name(term, index); }

raft::Snapshot load_ok(Snapshotter& s) {
  auto r = s.load();
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return std::move(*r);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshotter)

BOOST_AUTO_TEST_CASE(save_then_load__round_trips_metadata_and_data) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(10000, 1));
  BOOST_REQUIRE(s.save(snap).is_ok());
  BOOST_TEST(fs.exists(path_of(3, 100)));
  BOOST_TEST((load_ok(s) == snap));
}

BOOST_AUTO_TEST_CASE(save__reports_each_part_once_per_save_and_nothing_for_a_refused_one) {
  MemFileSystem fs;
  DurationHistogram marshalling({1}), fsync({1}), total({1});
  Snapshotter s(fs, kDir, SaveTimings{&marshalling, &fsync, &total});
  BOOST_REQUIRE(s.save(test::make_snapshot(100, 3, test::random_bytes(1000, 1))).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(200, 3, test::random_bytes(1000, 2))).is_ok());
  BOOST_TEST(!s.save(raft::Snapshot{}).is_ok());  // empty: refused before any work
  BOOST_TEST(marshalling.snapshot().count == 2u);
  BOOST_TEST(fsync.snapshot().count == 2u);
  BOOST_TEST(total.snapshot().count == 2u);
  // The whole save takes at least as long as its file part.
  BOOST_TEST(total.snapshot().sum_seconds >= fsync.snapshot().sum_seconds);
}

BOOST_AUTO_TEST_CASE(save__is_durable_without_any_later_sync) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto snap = test::make_snapshot(7, 1, "state");
  BOOST_REQUIRE(s.save(snap).is_ok());
  fs.drop_unsynced();
  BOOST_TEST((load_ok(s) == snap));
}

BOOST_AUTO_TEST_CASE(save__a_large_snapshot_is_synced_in_slices_and_round_trips) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(10u << 20, 2));  // 10 MB
  BOOST_REQUIRE(s.save(snap).is_ok());
  // 1 MiB slices: nine made durable on the way, the last with the file's final fsync.
  BOOST_TEST(fs.data_syncs() == 9u);
  BOOST_TEST(fs.file_syncs() == 1u);
  fs.drop_unsynced();
  BOOST_TEST((load_ok(s) == snap));
}

// Paced: after each 1 MiB slice the writer waits until the time the rate allows for what it
// has written (the last, partial slice goes with the final fsync, unpaced); the file is the same.
BOOST_AUTO_TEST_CASE(save__waits_after_each_slice_until_the_pace_allows_it) {
  MemFileSystem fs;
  std::vector<std::chrono::steady_clock::time_point> deadlines;
  SavePacing pacing;
  pacing.bytes_per_second = 2u << 20;  // 2 MiB/s: a slice every half second
  pacing.sleep_until = [&](std::chrono::steady_clock::time_point t) { deadlines.push_back(t); };
  Snapshotter s(fs, kDir, {}, pacing);
  const auto snap = test::make_snapshot(100, 3, test::random_bytes((7u << 20) / 2, 4));  // 3.5 MiB
  BOOST_REQUIRE(s.save(snap).is_ok());
  BOOST_REQUIRE(deadlines.size() == 3u);  // after the 1st, 2nd and 3rd MiB
  const auto start = deadlines[0] - std::chrono::milliseconds(500);
  for (std::size_t i = 0; i < deadlines.size(); ++i)
    BOOST_TEST((deadlines[i] - start == std::chrono::milliseconds(500) * static_cast<int>(i + 1)));
  fs.drop_unsynced();
  BOOST_TEST((load_ok(s) == snap));

  MemFileSystem unpaced_fs;
  std::size_t waits = 0;
  Snapshotter unpaced(unpaced_fs, kDir, {}, SavePacing{0, [&](auto) { ++waits; }});
  BOOST_REQUIRE(unpaced.save(snap).is_ok());
  BOOST_TEST(waits == 0u);
  BOOST_TEST((unpaced_fs.read_file(path_of(3, 100)).value() == fs.read_file(path_of(3, 100)).value()));
}

BOOST_AUTO_TEST_CASE(save__of_an_empty_snapshot_is_rejected) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  BOOST_TEST(!s.save(raft::Snapshot{}).is_ok());
}

BOOST_AUTO_TEST_CASE(load__returns_the_newest_snapshot) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  BOOST_REQUIRE(s.save(test::make_snapshot(10, 1, "a")).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(30, 2, "c")).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(20, 2, "b")).is_ok());
  BOOST_TEST(load_ok(s).metadata.index == 30u);
}

BOOST_AUTO_TEST_CASE(load__renames_a_corrupted_newest_snapshot_broken_and_returns_the_older) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto older = test::make_snapshot(10, 1, test::random_bytes(500, 2));
  BOOST_REQUIRE(s.save(older).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(20, 1, test::random_bytes(500, 3))).is_ok());
  fs.flip_byte(path_of(1, 20), 200);

  BOOST_TEST((load_ok(s) == older));
  BOOST_TEST(!fs.exists(path_of(1, 20)));
  BOOST_TEST(fs.exists(path_of(1, 20) + ".broken"));
}

// A restart's path (load_candidate, the file mapped): hostile bytes in any part of the file are
// refused as corruption and the file is renamed ".broken", never handed out as data.
BOOST_AUTO_TEST_CASE(load_candidate__refuses_flipped_truncated_empty_and_mislabelled_files_and_renames_them) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto good = test::make_snapshot(5, 1, test::random_bytes(3000, 7));
  BOOST_REQUIRE(s.save(good).is_ok());
  auto image = s.load_candidate(good.metadata);
  BOOST_REQUIRE(image.is_ok());
  BOOST_TEST((image->data() == good.data));
  BOOST_TEST(image->metadata().index == 5u);

  const auto bytes = *fs.read_file(path_of(1, 5));
  const auto refused = [&](std::uint64_t index, const std::string& why) {
    auto got = s.load_candidate(raft::SnapshotMetadata{index, 1, {}});
    BOOST_TEST(!got.is_ok(), why);
    if (!got.is_ok()) BOOST_TEST((got.status().code() == StatusCode::kCorruption), why);
    BOOST_TEST(fs.exists(path_of(1, index) + ".broken"), why);
    BOOST_TEST(!fs.exists(path_of(1, index)), why);
  };
  // Every part of the file: the header's length, the header, the data, the CRC.
  const std::uint64_t offsets[] = {0, 10, bytes.size() / 2, bytes.size() - 1};
  for (std::uint64_t offset : offsets) {
    fs.put_file(path_of(1, 5), bytes);
    fs.flip_byte(path_of(1, 5), offset);
    BOOST_TEST(!s.load_candidate(good.metadata).is_ok(), "flipped at " << offset);
    BOOST_TEST(fs.exists(path_of(1, 5) + ".broken"));
    BOOST_REQUIRE(fs.remove(path_of(1, 5) + ".broken").is_ok());
  }
  fs.put_file(path_of(1, 10), bytes);  // whole, but snapshot 5's header under snapshot 10's name
  refused(10, "snapshot 5's bytes under another name");
  fs.put_file(path_of(1, 20), bytes.substr(0, bytes.size() - 100));
  refused(20, "truncated");
  fs.put_file(path_of(1, 21), "");
  refused(21, "empty");
  fs.put_file(path_of(1, 22), std::string(64, '\xff'));
  refused(22, "garbage");
  BOOST_TEST((s.load_candidate(raft::SnapshotMetadata{99, 1, {}}).status().code() == StatusCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(load__rejects_truncated_empty_and_mislabelled_files) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto good = test::make_snapshot(5, 1, "good");
  BOOST_REQUIRE(s.save(good).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(6, 1, "truncated")).is_ok());
  fs.truncate_file(path_of(1, 6), 30);
  fs.put_file(path_of(1, 7), "");  // an empty file after a disk-full crash (etcd#5518)
  auto real = fs.read_file(path_of(1, 5));
  fs.put_file(path_of(1, 8), *real);  // valid bytes under the wrong name
  BOOST_TEST((load_ok(s) == good));
  for (std::uint64_t i : {6, 7, 8}) BOOST_TEST(fs.exists(path_of(1, i) + ".broken"));
}

BOOST_AUTO_TEST_CASE(load__ignores_and_removes_temp_files_of_a_crashed_save) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto good = test::make_snapshot(5, 1, "good");
  BOOST_REQUIRE(s.save(good).is_ok());
  fs.put_file(path_of(1, 9) + ".tmp", "half written");
  BOOST_TEST((load_ok(s) == good));
  BOOST_TEST(!fs.exists(path_of(1, 9) + ".tmp"));
}

BOOST_AUTO_TEST_CASE(save__interrupted_by_a_crash_leaves_the_previous_snapshot_loadable) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto good = test::make_snapshot(5, 1, "good");
  BOOST_REQUIRE(s.save(good).is_ok());
  fs.fail_next_syncs(1, 1);  // the temp file's fsync passes, the directory fsync does not
  BOOST_TEST(!s.save(test::make_snapshot(9, 1, "newer")).is_ok());
  fs.drop_unsynced();
  BOOST_TEST((load_ok(s) == good));
}

BOOST_AUTO_TEST_CASE(load__without_snapshots_is_not_found) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  BOOST_TEST((s.load().status().code() == StatusCode::kNotFound));
  BOOST_REQUIRE(fs.mkdirs(kDir).is_ok());
  BOOST_TEST((s.load().status().code() == StatusCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(load_newest_available__picks_the_newest_snapshot_the_wal_knows) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  BOOST_REQUIRE(s.save(test::make_snapshot(10, 1, "a")).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(20, 1, "b")).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(30, 1, "c")).is_ok());  // its WAL marker never made it
  auto r = s.load_newest_available({{10, 1, {}}, {20, 1, {}}});
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r->metadata.index == 20u);
  BOOST_TEST(fs.exists(path_of(1, 30)));  // valid, just not usable: left alone
}

BOOST_AUTO_TEST_CASE(load_newest_available__with_no_markers_uses_no_snapshot_and_still_removes_temp_files) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  // A crash before the first marker: the file is there but the WAL cannot start from it (a
  // snapshot received from a leader need not even match any entry of the WAL).
  BOOST_REQUIRE(s.save(test::make_snapshot(30, 1, "c")).is_ok());
  fs.put_file(path_of(1, 40) + ".tmp", "half");
  auto r = s.load_newest_available({});
  BOOST_TEST((r.status().code() == StatusCode::kNotFound));
  BOOST_TEST(!fs.exists(path_of(1, 40) + ".tmp"));
  BOOST_TEST(fs.exists(path_of(1, 30)));
}

BOOST_AUTO_TEST_CASE(load_at__reads_exactly_that_snapshot_and_renames_nothing) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  const auto older = test::make_snapshot(10, 1, "a");
  BOOST_REQUIRE(s.save(older).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(20, 1, "b")).is_ok());
  auto r = s.load_at(older.metadata);
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST((*r == older));
  BOOST_TEST((s.load_at({15, 1, {}}).status().code() == StatusCode::kNotFound));
  fs.flip_byte(path_of(1, 10), 30);
  BOOST_TEST((s.load_at(older.metadata).status().code() == StatusCode::kCorruption));
  BOOST_TEST(fs.exists(path_of(1, 10)));  // not quarantined: a reader for a follower repairs nothing
}

BOOST_AUTO_TEST_CASE(remove__deletes_one_snapshot_durably) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  BOOST_REQUIRE(s.save(test::make_snapshot(10, 1, "a")).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(20, 1, "b")).is_ok());
  BOOST_REQUIRE(s.remove({20, 1, {}}).is_ok());
  BOOST_REQUIRE(s.remove({99, 1, {}}).is_ok());  // none: ok
  fs.drop_unsynced();
  BOOST_TEST(!fs.exists(path_of(1, 20)));
  BOOST_TEST(fs.exists(path_of(1, 10)));
}

BOOST_AUTO_TEST_CASE(purge__keeps_the_newest_files) {
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  for (std::uint64_t i = 1; i <= 8; ++i) BOOST_REQUIRE(s.save(test::make_snapshot(i * 10, 1, "x")).is_ok());
  BOOST_REQUIRE(s.purge(3, {80, 1, {}}).is_ok());
  auto names = s.snapshot_names();
  BOOST_REQUIRE(names.is_ok());
  BOOST_TEST((*names == std::vector<std::string>{snapshot_name(1, 60), snapshot_name(1, 70), snapshot_name(1, 80)}));
  fs.drop_unsynced();  // the removals were made durable
  BOOST_TEST(s.snapshot_names()->size() == 3u);
}

BOOST_AUTO_TEST_CASE(purge__leaves_files_after_the_newest_it_is_given_alone) {
  // A purge may run while a newer snapshot is saved or received: with keep 1 it must still keep
  // the one the WAL marker points at (40), not only the newer one.
  MemFileSystem fs;
  Snapshotter s(fs, kDir);
  for (std::uint64_t i = 1; i <= 5; ++i) BOOST_REQUIRE(s.save(test::make_snapshot(i * 10, 1, "x")).is_ok());
  BOOST_REQUIRE(s.save(test::make_snapshot(7, 2, "newer term")).is_ok());
  BOOST_REQUIRE(s.purge(1, {40, 1, {}}).is_ok());
  BOOST_TEST((*s.snapshot_names() == std::vector<std::string>{snapshot_name(1, 40), snapshot_name(1, 50), snapshot_name(2, 7)}));
}

// A MemFileSystem whose directory listings also name `ghost`, a file that is not there: what a
// listing looks like when someone removes a file between the listing and its use.
class ListsGhostFileSystem final : public FileSystem {
 public:
  ListsGhostFileSystem(MemFileSystem& mem, std::string ghost) : mem_(mem), ghost_(std::move(ghost)) {}
  Result<std::vector<std::string>> list_dir(const std::string& dir) override {
    auto names = mem_.list_dir(dir);
    if (names) names->push_back(ghost_);
    return names;
  }
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override { return mem_.open(path, mode); }
  Result<std::string> read_file(const std::string& path) override { return mem_.read_file(path); }
  Result<std::uint64_t> file_size(const std::string& path) override { return mem_.file_size(path); }
  bool exists(const std::string& path) override { return mem_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override { return mem_.rename(from, to); }
  Status remove(const std::string& path) override { return mem_.remove(path); }
  Status mkdirs(const std::string& dir) override { return mem_.mkdirs(dir); }
  Status sync_dir(const std::string& dir) override { return mem_.sync_dir(dir); }
  Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) override { return mem_.lock_dir(dir); }

 private:
  MemFileSystem& mem_;
  const std::string ghost_;
};

BOOST_AUTO_TEST_CASE(purge__a_file_removed_by_someone_else_after_the_listing_is_not_an_error) {
  // purge() runs on the snapshot writer thread while a round may remove a dropped snapshot.
  MemFileSystem mem;
  ListsGhostFileSystem fs(mem, snapshot_name(1, 5));
  Snapshotter s(fs, kDir);
  for (std::uint64_t i = 1; i <= 3; ++i) BOOST_REQUIRE(s.save(test::make_snapshot(i * 10, 1, "x")).is_ok());
  BOOST_REQUIRE(s.purge(1, {30, 1, {}}).is_ok());
  BOOST_TEST(!mem.exists(path_of(1, 10)));
  BOOST_TEST(!mem.exists(path_of(1, 20)));
  BOOST_TEST(mem.exists(path_of(1, 30)));
}

BOOST_AUTO_TEST_CASE(snapshot_name__sorts_by_term_then_index_and_parses_back) {
  BOOST_TEST(snapshot_name(2, 1) > snapshot_name(1, 0xffff));
  const auto parsed = parse_snapshot_name(snapshot_name(0xabc, 0x1234));
  BOOST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed->term == 0xabcu);
  BOOST_TEST(parsed->index == 0x1234u);
  BOOST_TEST(!parse_snapshot_name(snapshot_name(1, 2) + ".broken").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::snap
