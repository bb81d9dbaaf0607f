// A follower far behind gets the leader's snapshot: the transport carries the file and decodes
// its data off the raft loop (decode_received_snapshot), and the round that steps the message
// installs that decoded state (NodeCore::install_received_snapshot) instead of decoding the file
// again. Three cores on one manual clock (three_cores.hpp); the test plays the transport's part.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "server/common/file.hpp"
#include "server/node/durable_log.hpp"
#include "server/node/node_core.hpp"
#include "server/node/peer_payload_check.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshot_image.hpp"
#include "test/unit/node/three_cores.hpp"

namespace coord::node {
namespace {

using test_core::ThreeCores;

// What the hook does with the decoded state it hands over with the snapshot message.
enum class Handover {
  kIntactFile,           // the file as received: either way of installing gives the same store
  kFileDamagedAfterDecode,  // the file's data replaced once decoded: only the decoded state installs
  kStateForAnotherPoint,    // a decoded state announced for another snapshot: it must not be used
  kAfterMoreWrites,         // held while the leader writes 60 more entries and snapshots 3 times
};

std::string snapshot_path(const raft::SnapshotMetadata& point) {
  return DurableLog::snapshot_dir("/data") + "/" + snap::snapshot_name(point.term, point.index);
}

void copy_file(MemFileSystem& from, MemFileSystem& to, const std::string& path) {
  auto bytes = from.read_file(path);
  BOOST_REQUIRE(bytes.is_ok());
  auto file = to.open(path, OpenMode::kCreate);
  BOOST_REQUIRE(file.is_ok());
  BOOST_REQUIRE((*file)->append(*bytes).is_ok());
  BOOST_REQUIRE((*file)->sync().is_ok());
}

std::optional<std::string> value_at(NodeCore& core, const std::string& key) {
  return core.read([&](const store::Store& s, const RaftPosition&) -> std::optional<std::string> {
    auto got = s.get(key, false, false, 0);
    if (!got.ok() || !got.value().node.value) return std::nullopt;
    return *got.value().node.value;
  });
}

std::uint64_t store_index(NodeCore& core) {
  return core.read([](const store::Store& s, const RaftPosition&) { return s.index(); });
}

// A follower cut off while the leader commits 100 writes and compacts its log (a snapshot every
// 20 entries, 5 kept), then reconnected. What must hold: the leader sends it one snapshot; the
// follower installs the state that came with the message when it is for that snapshot (even
// when the file could no longer be decoded), decodes the file when the state is for another
// one, and either way ends with the leader's keys and index, and serves on.
void follower_catches_up_through_a_snapshot(Handover handover) {
  ThreeCores cluster([](NodeOptions& o) {
    o.snapshot_count = 20;
    o.snapshot_catch_up_entries = 5;
  });
  BOOST_REQUIRE(cluster.rounds_until([&] {
    const auto l = cluster.leader();
    return l != 0 && cluster.core(1).ready() && cluster.core(2).ready() && cluster.core(3).ready();
  }));
  const std::uint64_t leader = cluster.leader();
  const std::uint64_t behind = leader == 3 ? 2 : 3;
  NodeCore& lead = cluster.core(leader);
  cluster.cut_off(behind);

  int answered = 0;
  const auto write_batches = [&](int batches) {  // of 10 writes each, every snapshot recorded
    for (int batch = 0; batch < batches; ++batch) {
      for (int i = 0; i < 10; ++i) {
        const int n = answered + i;
        apply::Request r;
        r.method = apply::Method::kPut;
        r.path = "/k" + std::to_string(n);
        r.value = "v" + std::to_string(n);
        cluster.inbox(leader).proposals.emplace_back(std::move(r), [&](WriteResult w) { answered += w.response.ok() ? 1 : 0; });
      }
      const int goal = answered + 10;
      BOOST_REQUIRE(cluster.rounds_until([&] { return answered == goal; }));
      BOOST_REQUIRE(cluster.finish_snapshots(leader));  // recorded, and the log compacted
    }
  };
  write_batches(10);

  int snapshots_sent = 0;
  std::optional<raft::Message> held;
  // The transport's part: the file goes over, is checked and decoded, then stepped with it.
  const auto deliver = [&](raft::Message m, ThreeCores& c) {
    const raft::SnapshotMetadata point = m.snapshot.metadata;
    const std::string path = snapshot_path(point);
    copy_file(c.fs(leader), c.fs(behind), path);
    std::optional<store::DecodedState> state;
    std::uint64_t data_bytes = 0;
    {
      auto image = snap::SnapshotImage::open(c.fs(behind), path, point);
      BOOST_REQUIRE(image.is_ok());
      auto decoded = decode_received_snapshot(image->data());
      BOOST_REQUIRE(decoded.is_ok());
      state = std::move(*decoded);
      data_bytes = image->data().size();
    }
    raft::SnapshotMetadata announced = point;
    if (handover == Handover::kFileDamagedAfterDecode) {
      auto file = c.fs(behind).open(path, OpenMode::kCreate);
      BOOST_REQUIRE(file.is_ok());
      BOOST_REQUIRE((*file)->append("no longer a snapshot").is_ok());
    }
    if (handover == Handover::kStateForAnotherPoint) announced.term += 1;
    c.inbox(behind).messages.push_back(std::move(m));
    c.inbox(behind).decoded_snapshots.push_back(NodeCore::DecodedSnapshot{announced, std::move(*state), data_bytes});
    c.inbox(leader).snapshot_reports.emplace_back(behind, true);
  };
  cluster.set_delivery_hook([&](raft::Message& m, ThreeCores& c) {
    if (m.type != raft::MessageType::kSnap) return false;
    BOOST_REQUIRE(m.to == behind);
    ++snapshots_sent;
    if (handover == Handover::kAfterMoreWrites && snapshots_sent == 1) {
      held = std::move(m);  // a transfer that takes a while
      return true;
    }
    deliver(std::move(m), c);
    return true;
  });
  cluster.reconnect(behind);
  NodeCore& follower = cluster.core(behind);
  if (handover == Handover::kAfterMoreWrites) {
    BOOST_REQUIRE(cluster.rounds_until([&] { return held.has_value(); }));
    write_batches(6);  // 3 more snapshots, each of which could compact past what the follower gets
    deliver(std::move(*held), cluster);
  }
  BOOST_REQUIRE(cluster.rounds_until([&] { return store_index(follower) == store_index(lead); }));
  // One snapshot: what the follower lacks after it is still in the leader's log (with the
  // writes of the transfer's time, the log kept from the snapshot on: finish_snapshot's
  // follower_has), so the follower catches up by appends.
  BOOST_TEST(snapshots_sent == 1);
  BOOST_TEST(!follower.failed());
  for (const char* key : {"/k0", "/k57", "/k99"}) BOOST_TEST((value_at(follower, key) == value_at(lead, key)));

  // Serving on: a write after the install reaches it through the log.
  apply::Request r;
  r.method = apply::Method::kPut;
  r.path = "/after";
  r.value = "yes";
  bool done = false;
  cluster.inbox(leader).proposals.emplace_back(std::move(r), [&](WriteResult w) { done = w.response.ok(); });
  BOOST_REQUIRE(cluster.rounds_until([&] { return done && value_at(follower, "/after") == std::optional<std::string>("yes"); }));
}

BOOST_AUTO_TEST_SUITE(node_snapshot_install)

BOOST_AUTO_TEST_CASE(a_follower_behind_installs_the_state_decoded_with_the_message) {
  follower_catches_up_through_a_snapshot(Handover::kIntactFile);
}

// The file's data replaced after the decode: a second decode in the round would fail the member.
BOOST_AUTO_TEST_CASE(the_install_does_not_decode_the_file_again) {
  follower_catches_up_through_a_snapshot(Handover::kFileDamagedAfterDecode);
}

BOOST_AUTO_TEST_CASE(a_state_decoded_for_another_snapshot_is_not_used__the_file_is_decoded) {
  follower_catches_up_through_a_snapshot(Handover::kStateForAnotherPoint);
}

// The leader goes on writing and snapshotting while the snapshot is on its way (the load
// outruns the transfer): without the entries after the snapshot kept for the follower, it
// would be sent snapshot after snapshot.
BOOST_AUTO_TEST_CASE(a_follower_catches_up_after_a_slow_transfer_without_a_second_snapshot) {
  follower_catches_up_through_a_snapshot(Handover::kAfterMoreWrites);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace coord::node
