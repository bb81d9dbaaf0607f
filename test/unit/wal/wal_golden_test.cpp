// The WAL's on-disk format, pinned by a committed segment (test/unit/wal/golden/), written by
// the Wal of this code base with: metadata "golden-metadata"; entries (term 1, index 1, normal,
// "first"), (1, 2, conf change, an AddNode of 0x10 with context "ctx"), (2, 3, normal,
// "bin\0ary") with hard state {term 2, vote 0x10, commit 2}; a snapshot marker at (index 2,
// term 1, voters {0x10}); then (2, 4, normal, "fourth") with commit 3. Today's reader must read
// it back exactly, and today's writer must write the same bytes: a format change fails here
// until it is deliberate (a new golden file, and the old one still read or refused on purpose).
#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/raft/codec.hpp"
#include "server/wal/wal.hpp"
#include "server/wal/wal_reader.hpp"
#include "test/support/file/golden_file.hpp"

using namespace coord;

namespace {

const std::string kSegment = "0000000000000000-0000000000000000.wal";

std::vector<raft::Entry> golden_entries() {
  return {raft::Entry{1, 1, raft::EntryType::kNormal, "first"},
          raft::Entry{1, 2, raft::EntryType::kConfChange,
                      raft::encode(raft::ConfChange{raft::ConfChangeType::kAddNode, 0x10, "ctx"})},
          raft::Entry{2, 3, raft::EntryType::kNormal, std::string("bin\0ary", 7)},
          raft::Entry{2, 4, raft::EntryType::kNormal, "fourth"}};
}

raft::SnapshotMetadata golden_marker() {
  raft::SnapshotMetadata m;
  m.index = 2;
  m.term = 1;
  m.conf_state.voters = {0x10};
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wal_golden)

BOOST_AUTO_TEST_CASE(golden_segment__opens_with_its_known_contents) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/wal").is_ok());
  fs.put_file("/wal/" + kSegment, test::read_golden("test/unit/wal/golden/" + kSegment));
  auto opened = wal::Wal::open(fs, "/wal", raft::SnapshotMetadata{});
  BOOST_REQUIRE_MESSAGE(opened.is_ok(), opened.status().message());
  const wal::WalContents& c = opened->second;
  BOOST_TEST(c.metadata == "golden-metadata");
  BOOST_TEST((c.hard_state == raft::HardState{2, 0x10, 3}));
  BOOST_TEST((c.entries == golden_entries()));
  BOOST_TEST(opened->first->last_index() == 4u);

  auto markers = wal::Wal::snapshot_markers(fs, "/wal");
  BOOST_REQUIRE(markers.is_ok());
  BOOST_TEST((*markers == std::vector<raft::SnapshotMetadata>{golden_marker()}));
}

BOOST_AUTO_TEST_CASE(golden_segment__replays_from_its_snapshot_marker) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/wal").is_ok());
  fs.put_file("/wal/" + kSegment, test::read_golden("test/unit/wal/golden/" + kSegment));
  auto opened = wal::Wal::open(fs, "/wal", golden_marker());
  BOOST_REQUIRE_MESSAGE(opened.is_ok(), opened.status().message());
  const auto all = golden_entries();
  BOOST_TEST((opened->second.entries == std::vector<raft::Entry>(all.begin() + 2, all.end())));
  BOOST_TEST((opened->second.snapshot == golden_marker()));
}

BOOST_AUTO_TEST_CASE(golden_segment__is_what_todays_writer_writes) {
  MemFileSystem fs;
  wal::WalOptions options;
  options.segment_bytes = 4096;
  auto w = wal::Wal::create(fs, "/wal", "golden-metadata", options);
  BOOST_REQUIRE(w.is_ok());
  const auto entries = golden_entries();
  BOOST_REQUIRE((*w)->save(raft::HardState{2, 0x10, 2}, {entries[0], entries[1], entries[2]}, true).is_ok());
  BOOST_REQUIRE((*w)->save_snapshot_marker(golden_marker()).is_ok());
  BOOST_REQUIRE((*w)->save(raft::HardState{2, 0x10, 3}, {entries[3]}, true).is_ok());
  BOOST_REQUIRE((*w)->close().is_ok());
  auto written = fs.read_file("/wal/" + kSegment);
  BOOST_REQUIRE(written.is_ok());
  const std::string golden = test::read_golden("test/unit/wal/golden/" + kSegment);
  // The file is preallocated: its data ends where the scan ends, zeros follow.
  const auto scan = wal::scan_segment(*written);
  BOOST_TEST((scan.end == wal::SegmentEnd::kClean));
  BOOST_TEST(written->substr(0, scan.end_offset) == golden);
}

BOOST_AUTO_TEST_SUITE_END()
