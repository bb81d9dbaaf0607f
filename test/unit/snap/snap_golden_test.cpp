// The snapshot file format, pinned by a committed file (test/unit/snap/golden/): a snapshot at
// index 7, term 2, voters {0x10, 0x20}, whose data is the store image
// test/unit/store/golden/store_v2_auth.img, saved by the Snapshotter of this code base. Today's
// reader must load it with those contents, and today's writer must write the same bytes.
#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/snap/snapshotter.hpp"
#include "test/support/file/golden_file.hpp"

using namespace coord;

namespace {

const std::string kName = "0000000000000002-0000000000000007.snap";

raft::Snapshot golden_snapshot() {
  raft::Snapshot s;
  s.metadata.index = 7;
  s.metadata.term = 2;
  s.metadata.conf_state.voters = {0x10, 0x20};
  s.data = test::read_golden("test/unit/store/golden/store_v2_auth.img");
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snap_golden)

BOOST_AUTO_TEST_CASE(golden_file__loads_with_its_known_contents) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/snap").is_ok());
  fs.put_file("/snap/" + kName, test::read_golden("test/unit/snap/golden/" + kName));
  snap::Snapshotter snapshotter(fs, "/snap");
  auto loaded = snapshotter.load();
  BOOST_REQUIRE_MESSAGE(loaded.is_ok(), loaded.status().message());
  const raft::Snapshot expected = golden_snapshot();
  BOOST_TEST((loaded->metadata == expected.metadata));
  BOOST_TEST(loaded->data == expected.data);
}

BOOST_AUTO_TEST_CASE(golden_file__is_what_todays_writer_writes) {
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/snap").is_ok());
  snap::Snapshotter snapshotter(fs, "/snap");
  BOOST_REQUIRE(snapshotter.save(golden_snapshot()).is_ok());
  auto names = snapshotter.snapshot_names();
  BOOST_REQUIRE(names.is_ok());
  BOOST_TEST((*names == std::vector<std::string>{kName}));
  auto written = fs.read_file("/snap/" + kName);
  BOOST_REQUIRE(written.is_ok());
  BOOST_TEST(*written == test::read_golden("test/unit/snap/golden/" + kName));
}

BOOST_AUTO_TEST_CASE(golden_file__with_one_flipped_bit_is_refused) {
  std::string bytes = test::read_golden("test/unit/snap/golden/" + kName);
  bytes[bytes.size() / 2] ^= 0x04;
  MemFileSystem fs;
  BOOST_REQUIRE(fs.mkdirs("/snap").is_ok());
  fs.put_file("/snap/" + kName, bytes);
  snap::Snapshotter snapshotter(fs, "/snap");
  BOOST_TEST(!snapshotter.load().is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
