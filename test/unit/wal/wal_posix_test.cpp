// The WAL and the snapshot-free recovery path on the real filesystem (PosixFileSystem in a
// temp dir under /tmp), plus the group-commit figure (a disabled case: run it by name).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "server/common/file_posix.hpp"
#include "server/wal/wal.hpp"
#include "test/support/file/log_fixtures.hpp"
#include "test/support/file/scratch_dir.hpp"

namespace coord::wal {

BOOST_AUTO_TEST_SUITE(wal_posix)

BOOST_AUTO_TEST_CASE(save_rotate_reopen__round_trips_on_the_real_filesystem) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  const std::string dir = tmp / "member/wal";
  const WalOptions options{.segment_bytes = 64 << 10};
  std::vector<raft::Entry> all;
  {
    auto wal = Wal::create(fs, dir, "meta", options);
    BOOST_REQUIRE_MESSAGE(wal.is_ok(), wal.status().to_string());
    for (std::uint64_t i = 1; i <= 1000; i += 50) {
      auto batch = test::make_entries(i, i + 49, 2, 100);
      BOOST_REQUIRE((*wal)->save({2, 1, i}, batch, true).is_ok());
      all.insert(all.end(), batch.begin(), batch.end());
    }
    BOOST_TEST((*wal)->segment_files().size() > 1u);
    // The segment being written is preallocated.
    BOOST_TEST(std::filesystem::file_size((*wal)->segment_files().back()) >= options.segment_bytes);
    BOOST_REQUIRE((*wal)->close().is_ok());
  }
  auto r = Wal::open(fs, dir, {}, options);
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST((r->second.entries == all));
  BOOST_TEST(r->second.hard_state.commit == 951u);
}

BOOST_AUTO_TEST_CASE(open__repairs_a_torn_tail_on_the_real_filesystem) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  const std::string dir = tmp / "wal";
  const WalOptions options{.segment_bytes = 64 << 10};
  std::string last_segment;
  {
    auto wal = Wal::create(fs, dir, "meta", options);
    BOOST_REQUIRE(wal.is_ok());
    BOOST_REQUIRE((*wal)->save({}, test::make_entries(1, 10, 1, 100), true).is_ok());
    last_segment = (*wal)->segment_files().back();
    BOOST_REQUIRE((*wal)->close().is_ok());
  }
  // Garble the middle of the last record, as a write cut short would.
  auto bytes = fs.read_file(last_segment);
  BOOST_REQUIRE(bytes.is_ok());
  const auto end = bytes->find_last_not_of('\0');
  auto file = fs.open(last_segment, OpenMode::kReadWrite);
  BOOST_REQUIRE(file.is_ok());
  BOOST_REQUIRE((*file)->write_at(end - 40, std::string(16, 'X')).is_ok());
  BOOST_REQUIRE((*file)->close().is_ok());

  auto r = Wal::open(fs, dir, {}, options);
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST((r->second.entries == test::make_entries(1, 9, 1, 100)));
  BOOST_TEST(fs.exists(last_segment + ".broken"));
}

// Group commit figure: 10k entries saved one per fdatasync vs 100 per fdatasync.
// Run: wal_test --run_test=wal_posix/figure__group_commit_vs_one_sync_per_entry
BOOST_AUTO_TEST_CASE(figure__group_commit_vs_one_sync_per_entry, *boost::unit_test::disabled()) {
  test::ScratchDir tmp;
  PosixFileSystem fs;
  auto run = [&](const std::string& name, std::uint64_t per_save, bool sync = true) {
    auto wal = Wal::create(fs, tmp / name, "meta");
    BOOST_REQUIRE(wal.is_ok());
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 1; i <= 10000; i += per_save)
      BOOST_REQUIRE((*wal)->save({1, 1, i}, test::make_entries(i, i + per_save - 1, 1, 100), sync).is_ok());
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    BOOST_REQUIRE((*wal)->close().is_ok());
    std::printf("10k entries of 100 B, %5llu per save (%5llu fdatasyncs): %8.3f s, %9.0f entries/s\n",
                static_cast<unsigned long long>(per_save), static_cast<unsigned long long>(sync ? 10000 / per_save : 0),
                took.count(), 10000 / took.count());
  };
  run("one", 1);
  run("hundred", 100);
  run("unsynced", 100, false);  // the encoding + write cost alone

  // Replay cost at restart: 500k entries of 128 B (about 80 MB of log, two segments).
  {
    auto wal = Wal::create(fs, tmp / "replay", "meta");
    BOOST_REQUIRE(wal.is_ok());
    for (std::uint64_t i = 1; i <= 500000; i += 1000)
      BOOST_REQUIRE((*wal)->save({1, 1, i}, test::make_entries(i, i + 999, 1, 128), false).is_ok());
    BOOST_REQUIRE((*wal)->close().is_ok());
  }
  const auto start = std::chrono::steady_clock::now();
  auto opened = Wal::open(fs, tmp / "replay", {});
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  BOOST_REQUIRE(opened.is_ok());
  BOOST_TEST(opened->second.entries.size() == 500000u);
  std::printf("open + replay of 500k entries (%zu segments): %.3f s\n", opened->first->segment_files().size(),
              took.count());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::wal
