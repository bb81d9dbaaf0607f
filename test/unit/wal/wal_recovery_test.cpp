// Every WAL corruption and crash case by name (the project's style): torn, zeroed and garbage tails are
// repaired once with a .broken copy; damage before the tail is a hard error naming file and
// offset; a simulated power loss never loses a synced save and never leaves an unopenable WAL.
#include <boost/test/unit_test.hpp>
#include <random>

#include "server/common/file_mem.hpp"
#include "server/wal/wal.hpp"
#include "server/wal/wal_reader.hpp"
#include "test/support/file/log_fixtures.hpp"

namespace coord::wal {
namespace {

const std::string kDir = "/data/member/wal";
constexpr WalOptions kSmall{.segment_bytes = 4096};

std::unique_ptr<Wal> create_wal(MemFileSystem& fs) {
  auto wal = Wal::create(fs, kDir, "meta", kSmall);
  BOOST_REQUIRE_MESSAGE(wal.is_ok(), wal.status().to_string());
  return std::move(*wal);
}

Result<std::pair<std::unique_ptr<Wal>, WalContents>> try_open(MemFileSystem& fs) {
  return Wal::open(fs, kDir, {}, kSmall);
}

WalContents open_ok(MemFileSystem& fs) {
  auto r = try_open(fs);
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_REQUIRE(r->first->close().is_ok());
  return std::move(r->second);
}

// One segment holding entries 1..n (synced), closed.
std::string single_segment_wal(MemFileSystem& fs, std::uint64_t n) {
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save({}, test::make_entries(1, n, 1, 20), true).is_ok());  // last record: entry n
  const auto files = wal->segment_files();
  BOOST_REQUIRE(files.size() == 1u);
  BOOST_REQUIRE(wal->close().is_ok());
  return files.front();
}

// Several segments of entries 1..n, closed; returns the segment paths.
std::vector<std::string> multi_segment_wal(MemFileSystem& fs, std::uint64_t n) {
  auto wal = create_wal(fs);
  for (std::uint64_t i = 1; i <= n; i += 5) BOOST_REQUIRE(wal->save({}, test::make_entries(i, i + 4, 1, 60), true).is_ok());
  auto files = wal->segment_files();
  BOOST_REQUIRE(files.size() >= 3u);
  BOOST_REQUIRE(wal->close().is_ok());
  return files;
}

std::vector<RawRecord> records_of(MemFileSystem& fs, const std::string& path, std::string& bytes) {
  auto r = fs.read_file(path);
  BOOST_REQUIRE(r.is_ok());
  bytes = std::move(*r);
  auto scan = scan_segment(bytes);
  BOOST_REQUIRE((scan.end == SegmentEnd::kClean));
  return scan.records;
}

void expect_hard_error(MemFileSystem& fs, const std::string& must_mention) {
  auto r = try_open(fs);
  BOOST_REQUIRE(!r.is_ok());
  BOOST_TEST((r.status().code() == StatusCode::kCorruption));
  BOOST_TEST_MESSAGE(r.status().to_string());
  BOOST_TEST(r.status().message().find(must_mention) != std::string::npos, r.status().message());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wal_recovery)

BOOST_AUTO_TEST_CASE(open__repairs_a_torn_tail_where_the_file_ends_inside_the_last_record) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  const auto& last = recs.back();
  fs.truncate_file(path, last.offset + 12);  // half a record, no preallocated space after it

  const auto contents = open_ok(fs);
  BOOST_TEST((contents.entries == test::make_entries(1, 9, 1, 20)));
  BOOST_TEST(fs.exists(path + ".broken"));
}

BOOST_AUTO_TEST_CASE(open__repairs_a_zeroed_tail_after_a_partly_written_last_record) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  const auto& last = recs.back();
  // The length word made it, the rest of the record did not: zeros up to the preallocated end.
  fs.zero_range(path, last.offset + 8, bytes.size() - last.offset - 8);

  const auto contents = open_ok(fs);
  BOOST_TEST((contents.entries == test::make_entries(1, 9, 1, 20)));
  BOOST_TEST(fs.exists(path + ".broken"));
}

BOOST_AUTO_TEST_CASE(open__repairs_a_garbage_tail_after_the_last_record) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  const auto end = recs.back().offset + framed_size(static_cast<std::uint32_t>(recs.back().payload.size() + 1));
  std::string damaged = bytes;
  const auto garbage = test::random_bytes(300, 42);
  damaged.replace(end, garbage.size(), garbage);
  fs.put_file(path, damaged);

  const auto contents = open_ok(fs);
  BOOST_TEST((contents.entries == test::make_entries(1, 10, 1, 20)));  // every record was intact
  BOOST_TEST(fs.exists(path + ".broken"));
}

BOOST_AUTO_TEST_CASE(repair__happens_once_keeps_a_broken_copy_and_appending_continues) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  fs.truncate_file(path, recs.back().offset + 12);
  const std::string damaged = *fs.read_file(path);

  {
    auto r = try_open(fs);
    BOOST_REQUIRE(r.is_ok());
    auto broken = fs.read_file(path + ".broken");
    BOOST_REQUIRE(broken.is_ok());
    BOOST_TEST((*broken == damaged));  // the copy is the file as found, before the repair
    BOOST_REQUIRE(r->first->save({2, 1, 11}, test::make_entries(10, 11, 2), true).is_ok());
    BOOST_REQUIRE(r->first->close().is_ok());
  }
  const auto contents = open_ok(fs);
  BOOST_TEST(!fs.exists(path + ".broken.1"));  // nothing left to repair: no second copy
  std::vector<raft::Entry> expected = test::make_entries(1, 9, 1, 20);
  for (auto& e : test::make_entries(10, 11, 2)) expected.push_back(e);
  BOOST_TEST((contents.entries == expected));
}

BOOST_AUTO_TEST_CASE(repair__a_second_repair_keeps_the_first_broken_copy) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  auto recs = records_of(fs, path, bytes);
  fs.truncate_file(path, recs.back().offset + 12);
  const std::string first_damage = *fs.read_file(path);
  open_ok(fs);
  recs = records_of(fs, path, bytes);
  fs.truncate_file(path, recs.back().offset + 12);
  const auto contents = open_ok(fs);
  BOOST_TEST(contents.entries.size() == 8u);
  BOOST_TEST((*fs.read_file(path + ".broken") == first_damage));
  BOOST_TEST(fs.exists(path + ".broken.1"));
}

BOOST_AUTO_TEST_CASE(open__bit_flip_in_the_middle_of_the_log_is_a_hard_error_naming_file_and_offset) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  const auto& victim = recs[5];
  fs.flip_byte(path, victim.offset + 20);
  expect_hard_error(fs, path);
  expect_hard_error(fs, "offset " + std::to_string(victim.offset));
  BOOST_TEST(!fs.exists(path + ".broken"));  // never "repaired"
}

BOOST_AUTO_TEST_CASE(open__corrupt_length_word_in_the_middle_of_the_log_is_a_hard_error) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  fs.flip_byte(path, recs[4].offset + 2, 0x40);  // length becomes huge
  expect_hard_error(fs, "offset " + std::to_string(recs[4].offset));
}

BOOST_AUTO_TEST_CASE(open__bit_flip_in_a_non_last_segment_is_a_hard_error) {
  MemFileSystem fs;
  const auto files = multi_segment_wal(fs, 100);
  std::string bytes;
  const auto recs = records_of(fs, files[1], bytes);
  fs.flip_byte(files[1], recs.back().offset + 12);  // even its last record: it is not the tail
  expect_hard_error(fs, files[1]);
}

BOOST_AUTO_TEST_CASE(open__truncated_non_last_segment_is_a_hard_error) {
  MemFileSystem fs;
  const auto files = multi_segment_wal(fs, 100);
  std::string bytes;
  const auto recs = records_of(fs, files[0], bytes);
  fs.truncate_file(files[0], recs.back().offset + 10);  // inside its last record
  expect_hard_error(fs, files[0]);
}

BOOST_AUTO_TEST_CASE(open__non_last_segment_truncated_at_a_record_boundary_is_a_hard_error) {
  MemFileSystem fs;
  const auto files = multi_segment_wal(fs, 100);
  std::string bytes;
  const auto recs = records_of(fs, files[1], bytes);
  fs.truncate_file(files[1], recs.back().offset);  // exactly one whole entry record gone
  expect_hard_error(fs, "truncated");
}

BOOST_AUTO_TEST_CASE(open__missing_middle_segment_is_a_hard_error) {
  MemFileSystem fs;
  const auto files = multi_segment_wal(fs, 100);
  BOOST_REQUIRE(fs.remove(files[1]).is_ok());
  expect_hard_error(fs, "missing segment");
}

BOOST_AUTO_TEST_CASE(open__valid_records_after_a_damaged_one_in_the_last_segment_is_a_hard_error) {
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 10);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  fs.flip_byte(path, recs[recs.size() - 2].offset + 30);  // the last-but-one: one good record follows
  expect_hard_error(fs, "valid record follows");
}

BOOST_AUTO_TEST_CASE(open__torn_write_with_a_zeroed_sector_before_later_records_is_repaired) {
  // Sectors of one unsynced write reach the disk in any order: a hole of zeros followed by a
  // valid record is a torn write, not mid-log damage.
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save({1, 1, 0}, test::make_entries(1, 2, 1, 20), true).is_ok());
  const auto path = wal->segment_files().front();
  BOOST_REQUIRE(wal->save({1, 1, 0}, test::make_entries(3, 10, 1, 200), true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  std::size_t third = 0;
  while (recs[third].type != RecordType::kEntry) ++third;
  third += 2;  // entry 3
  fs.zero_range(path, recs[third].offset, 1024);
  const auto contents = open_ok(fs);
  BOOST_TEST((contents.entries == test::make_entries(1, 2, 1, 20)));
  BOOST_TEST(fs.exists(path + ".broken"));
}

BOOST_AUTO_TEST_CASE(open__torn_write_whose_first_sector_never_landed_is_repaired) {
  // Power loss during an unsynced write of records that start in one sector and go on into the
  // next: the next sector reached the disk, the first did not (it keeps the zeros after the
  // previous, synced record). No whole sector is zero, yet valid records follow the hole.
  MemFileSystem fs;
  const auto path = single_segment_wal(fs, 60);
  std::string bytes;
  const auto recs = records_of(fs, path, bytes);
  std::size_t k = 1;  // an entry record starting inside a sector and ending in the next one
  while (k + 2 < recs.size() && (recs[k].type != RecordType::kEntry || recs[k].offset % kSectorBytes == 0 ||
                                 recs[k].offset / kSectorBytes == recs[k + 1].offset / kSectorBytes))
    ++k;
  BOOST_REQUIRE(k + 2 < recs.size());
  const std::uint64_t sector_end = (recs[k].offset / kSectorBytes + 1) * kSectorBytes;
  fs.zero_range(path, recs[k].offset, sector_end - recs[k].offset);
  raft::Entry first_lost;
  BOOST_REQUIRE(decode_entry(recs[k].payload, first_lost).is_ok());
  const auto contents = open_ok(fs);
  BOOST_TEST((contents.entries == test::make_entries(1, first_lost.index - 1, 1, 20)));
  BOOST_TEST(fs.exists(path + ".broken"));
}

BOOST_AUTO_TEST_CASE(open__hard_state_commit_past_the_last_entry_is_a_hard_error) {
  // A commit index the log cannot back means entries were lost under it (etcd#3591).
  MemFileSystem fs;
  auto wal = create_wal(fs);
  BOOST_REQUIRE(wal->save({1, 1, 0}, test::make_entries(1, 5, 1), true).is_ok());
  BOOST_REQUIRE(wal->save({1, 1, 9}, {}, true).is_ok());
  BOOST_REQUIRE(wal->close().is_ok());
  expect_hard_error(fs, "beyond the last index");
}

BOOST_AUTO_TEST_CASE(damage__anywhere_is_either_a_clean_prefix_or_a_hard_error_never_wrong_data) {
  // Seeded sweep: lose the tail from a random offset (zeroed or truncated), or flip a random
  // byte. Losing a tail must reopen with exactly the records that ended before the cut; a flip
  // in the last record is a torn tail; a flip anywhere before it is a hard error.
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      std::mt19937_64 rng(seed);
      MemFileSystem fs;
      std::vector<raft::Entry> written;
      std::string path;
      {
        auto wal = Wal::create(fs, kDir, "meta", WalOptions{.segment_bytes = 1 << 20});
        BOOST_REQUIRE(wal.is_ok());
        for (std::uint64_t i = 1; i <= 40; ++i) {
          auto e = test::make_entries(i, i, 1, rng() % 700);
          BOOST_REQUIRE((*wal)->save({}, e, true).is_ok());
          written.push_back(e.front());
        }
        path = (*wal)->segment_files().front();
        BOOST_REQUIRE((*wal)->close().is_ok());
      }
      std::string bytes;
      const auto recs = records_of(fs, path, bytes);
      const std::size_t first_entry = recs.size() - written.size();
      // A record is intact while its length word, CRC, type and payload are: padding is not covered.
      auto payload_end = [&](std::size_t j) {
        const auto& r = recs[first_entry + j];
        return r.offset + kRecordHeaderBytes + 1 + r.payload.size();
      };
      const std::uint64_t data_start = recs[first_entry].offset;
      const std::uint64_t data_end = payload_end(written.size() - 1);
      const int kind = static_cast<int>(rng() % 3);
      if (kind < 2) {
        const std::uint64_t cut = data_start + rng() % (data_end - data_start + 1);
        if (kind == 0) fs.zero_range(path, cut, bytes.size() - cut);
        else fs.truncate_file(path, cut);
        std::size_t kept = 0;
        while (kept < written.size() && payload_end(kept) <= cut) ++kept;
        const auto contents = open_ok(fs);
        BOOST_TEST(contents.entries.size() == kept);
        BOOST_TEST((std::equal(contents.entries.begin(), contents.entries.end(), written.begin())));
      } else {
        const std::uint64_t at = data_start + rng() % (data_end - data_start);
        fs.flip_byte(path, at, static_cast<std::uint8_t>(1u << (rng() % 8)));
        std::size_t j = 0;
        while (j + 1 < written.size() && recs[first_entry + j + 1].offset <= at) ++j;
        auto r = try_open(fs);
        if (at >= payload_end(j)) {  // padding: unnoticed, and harmless
          BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
          BOOST_TEST((r->second.entries == written));
        } else if (j + 1 == written.size()) {  // the last record: a torn tail
          BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
          BOOST_TEST(r->second.entries.size() == written.size() - 1);
          BOOST_TEST((std::equal(r->second.entries.begin(), r->second.entries.end(), written.begin())));
        } else {
          BOOST_REQUIRE(!r.is_ok());
          BOOST_TEST((r.status().code() == StatusCode::kCorruption));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(crash__synced_saves_survive_and_the_wal_always_reopens) {
  for (std::uint64_t seed = 1; seed <= 90; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      std::mt19937_64 rng(seed);
      MemFileSystem fs;
      auto wal = create_wal(fs);
      std::uint64_t next = 1, synced_through = 0, term = 1;
      const int saves = 5 + static_cast<int>(rng() % 40);
      for (int i = 0; i < saves; ++i) {
        const std::uint64_t n = 1 + rng() % 6;
        const bool sync = rng() % 3 != 0;
        // commit = the batch's last index: the hard state lands after the entries it covers.
        BOOST_REQUIRE(wal->save({term, 1, next + n - 1}, test::make_entries(next, next + n - 1, term, rng() % 300), sync).is_ok());
        next += n;
        if (sync) synced_through = next - 1;
      }
      wal.reset();  // kill -9
      if (seed % 3 == 0) fs.drop_unsynced();
      else if (seed % 3 == 1) fs.drop_unsynced_tearing(seed);
      else fs.drop_unsynced_scrambling(seed);

      auto r = try_open(fs);
      BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
      const auto& entries = r->second.entries;
      BOOST_TEST(entries.size() >= synced_through);
      BOOST_TEST(r->second.hard_state.commit <= entries.size());
      for (std::size_t k = 0; k < entries.size(); ++k) BOOST_TEST(entries[k].index == k + 1);
      // The reopened WAL accepts writes and they survive the next crash.
      const std::uint64_t resume = entries.size() + 1;
      BOOST_REQUIRE(r->first->save({term + 1, 1, 0}, test::make_entries(resume, resume + 2, term + 1), true).is_ok());
      r->first.reset();
      fs.drop_unsynced();
      const auto again = open_ok(fs);
      BOOST_TEST(again.entries.size() == resume + 2);
    }
  }
}

BOOST_AUTO_TEST_CASE(crash__at_every_sync_of_a_segment_cut_loses_no_synced_entry) {
  // A save that fills the segment issues, in order: the batch's fdatasync, the old segment's
  // fsync, the new segment's fsync, the directory fsync. Crash at each of them in turn.
  auto batch = [](std::uint64_t i) { return test::make_entries(5 * i + 1, 5 * i + 5, 1, 60); };
  int cutting_save = -1;
  {
    MemFileSystem probe;
    auto wal = create_wal(probe);
    for (int i = 0; cutting_save < 0; ++i) {
      BOOST_REQUIRE(wal->save({1, 1, 0}, batch(i), true).is_ok());
      if (wal->segment_files().size() == 2) cutting_save = i;
    }
  }
  for (int skip = 0; skip <= 3; ++skip) {
    BOOST_TEST_CONTEXT("crash at sync " << skip) {
      MemFileSystem fs;
      auto wal = create_wal(fs);
      for (int i = 0; i < cutting_save; ++i) BOOST_REQUIRE(wal->save({1, 1, 0}, batch(i), true).is_ok());
      fs.fail_next_syncs(1, skip);
      BOOST_TEST(!wal->save({1, 1, 0}, batch(cutting_save), true).is_ok());
      wal.reset();
      fs.drop_unsynced();
      const auto contents = open_ok(fs);
      // Before the cut's own syncs the batch was already durable.
      const std::size_t durable = 5 * (cutting_save + (skip >= 1 ? 1 : 0));
      BOOST_TEST(contents.entries.size() >= durable);
      for (std::size_t k = 0; k < contents.entries.size(); ++k) BOOST_TEST(contents.entries[k].index == k + 1);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::wal
