// The receiving side of a streamed snapshot file (server/snap/snapshot_file_receiver.hpp) and
// the image it is installed from (server/snap/snapshot_image.hpp): a good file arrives in pieces
// and becomes the snapshot file; a CRC-bad, short, oversize or foreign file is refused and
// leaves nothing in the directory.
#include "server/snap/snapshot_file_receiver.hpp"

#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshot_image.hpp"
#include "server/snap/snapshotter.hpp"
#include "test/support/file/log_fixtures.hpp"

namespace coord::snap {
namespace {

const std::string kDir = "/data/member/snap";
const std::string kSource = "/leader/member/snap";

// The leader's file of `snap`, as stored (what a SnapshotSender streams).
std::string file_of(const raft::Snapshot& snap) {
  MemFileSystem fs;
  Snapshotter s(fs, kSource);
  BOOST_REQUIRE(s.save(snap).is_ok());
  auto bytes = fs.read_file(kSource + "/" + snapshot_name(snap.metadata.term, snap.metadata.index));
  BOOST_REQUIRE(bytes.is_ok());
  return *bytes;
}

// Feeds `bytes` in pieces of `piece`; the first refusal.
Status feed(SnapshotFileReceiver& r, std::string_view bytes, std::size_t piece) {
  while (!bytes.empty()) {
    const std::size_t n = std::min(piece, bytes.size());
    COORD_RETURN_IF_ERROR(r.append(bytes.substr(0, n)));
    bytes.remove_prefix(n);
  }
  return Status::ok();
}

std::size_t files_in(MemFileSystem& fs) {
  auto names = fs.list_dir(kDir);
  return names ? names->size() : 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot_file_receiver)

BOOST_AUTO_TEST_CASE(good_file_in_pieces__becomes_the_snapshot_file_and_installs_from_its_image) {
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(100000, 7));
  const std::string file = file_of(snap);
  MemFileSystem fs;
  auto r = SnapshotFileReceiver::begin(fs, kDir, snap.metadata, file.size());
  BOOST_REQUIRE(r.is_ok());
  BOOST_REQUIRE(feed(**r, file, 4093).is_ok());
  BOOST_TEST((*r)->remaining() == 0u);
  BOOST_REQUIRE((*r)->finish().is_ok());
  r->reset();
  BOOST_TEST(files_in(fs) == 1u);  // the file itself, no temp file
  Snapshotter s(fs, kDir);
  auto loaded = s.load_at(snap.metadata);
  BOOST_REQUIRE(loaded.is_ok());
  BOOST_TEST((*loaded == snap));
  auto image = SnapshotImage::open(fs, kDir + "/" + snapshot_name(3, 100), snap.metadata);
  BOOST_REQUIRE(image.is_ok());
  BOOST_TEST(image->data() == snap.data);
  SnapshotImage moved = std::move(*image);
  BOOST_TEST(moved.data() == snap.data);
}

BOOST_AUTO_TEST_CASE(crc_bad_file__is_refused_at_finish_and_removed) {
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(5000, 8));
  std::string file = file_of(snap);
  file[file.size() / 2] ^= 0x40;  // a data byte: header and size still right
  MemFileSystem fs;
  auto r = SnapshotFileReceiver::begin(fs, kDir, snap.metadata, file.size());
  BOOST_REQUIRE(r.is_ok());
  BOOST_REQUIRE(feed(**r, file, 1000).is_ok());
  const Status s = (*r)->finish();
  BOOST_TEST((s.code() == StatusCode::kCorruption));
  BOOST_TEST(s.message().find("CRC") != std::string::npos);
  BOOST_TEST(files_in(fs) == 0u);
}

BOOST_AUTO_TEST_CASE(short_body__is_refused_and_a_dropped_receiver_leaves_nothing) {
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(5000, 9));
  const std::string file = file_of(snap);
  MemFileSystem fs;
  {
    auto r = SnapshotFileReceiver::begin(fs, kDir, snap.metadata, file.size());
    BOOST_REQUIRE(r.is_ok());
    BOOST_REQUIRE(feed(**r, std::string_view(file).substr(0, file.size() - 10), 700).is_ok());
    BOOST_TEST(files_in(fs) == 1u);  // the temp file, while it comes
    const Status s = (*r)->finish();
    BOOST_TEST((s.code() == StatusCode::kCorruption));
    BOOST_TEST(s.message().find("cut short") != std::string::npos);
    BOOST_TEST(files_in(fs) == 0u);
  }
  {
    // A sender that stops midway: the receiver is dropped unfinished.
    auto r = SnapshotFileReceiver::begin(fs, kDir, snap.metadata, file.size());
    BOOST_REQUIRE(r.is_ok());
    BOOST_REQUIRE(feed(**r, std::string_view(file).substr(0, 100), 50).is_ok());
  }
  BOOST_TEST(files_in(fs) == 0u);
}

BOOST_AUTO_TEST_CASE(oversize__bytes_past_the_declared_size_and_sizes_over_the_limit_are_refused) {
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(5000, 10));
  const std::string file = file_of(snap);
  MemFileSystem fs;
  auto r = SnapshotFileReceiver::begin(fs, kDir, snap.metadata, file.size());
  BOOST_REQUIRE(r.is_ok());
  const Status s = feed(**r, file + "extra", 1 << 20);
  BOOST_TEST((s.code() == StatusCode::kCorruption));
  BOOST_TEST(files_in(fs) == 0u);
  BOOST_TEST(!(*r)->finish().is_ok());  // of no further use

  // A declared size over the limit, or one no snapshot file can have, is refused before any byte.
  BOOST_TEST((SnapshotFileReceiver::begin(fs, kDir, snap.metadata, SnapshotFileReceiver::kMaxFileBytes + 1).status().code() ==
             StatusCode::kInvalidArgument));
  BOOST_TEST((SnapshotFileReceiver::begin(fs, kDir, snap.metadata, 3).status().code() == StatusCode::kInvalidArgument));
  BOOST_TEST(files_in(fs) == 0u);
}

BOOST_AUTO_TEST_CASE(a_size_that_lies__or_another_snapshots_file__is_refused_from_its_header) {
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(5000, 11));
  const std::string file = file_of(snap);
  MemFileSystem fs;
  {
    // Announced longer than the file says it is: refused once the header is in.
    auto r = SnapshotFileReceiver::begin(fs, kDir, snap.metadata, file.size() + 100);
    BOOST_REQUIRE(r.is_ok());
    BOOST_TEST((feed(**r, file, 4096).code() == StatusCode::kCorruption));
  }
  {
    // The message announces index 101, the file is of 100.
    raft::SnapshotMetadata other = snap.metadata;
    other.index = 101;
    auto r = SnapshotFileReceiver::begin(fs, kDir, other, file.size());
    BOOST_REQUIRE(r.is_ok());
    const Status s = feed(**r, file, 4096);
    BOOST_TEST((s.code() == StatusCode::kCorruption));
    BOOST_TEST(s.message().find("another snapshot") != std::string::npos);
  }
  {
    // Not a snapshot file at all.
    auto r = SnapshotFileReceiver::begin(fs, kDir, snap.metadata, file.size());
    BOOST_REQUIRE(r.is_ok());
    BOOST_TEST((feed(**r, std::string(file.size(), 'x'), 4096).code() == StatusCode::kCorruption));
  }
  BOOST_TEST(files_in(fs) == 0u);
}

BOOST_AUTO_TEST_CASE(image__refuses_a_missing_or_foreign_file) {
  const auto snap = test::make_snapshot(100, 3, test::random_bytes(500, 12));
  MemFileSystem fs;
  BOOST_TEST((SnapshotImage::open(fs, kDir + "/x.snap", snap.metadata).status().code() == StatusCode::kNotFound));
  Snapshotter s(fs, kDir);
  BOOST_REQUIRE(s.save(snap).is_ok());
  raft::SnapshotMetadata other = snap.metadata;
  other.index = 99;
  BOOST_TEST((SnapshotImage::open(fs, kDir + "/" + snapshot_name(3, 100), other).status().code() ==
             StatusCode::kCorruption));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::snap
