// SnapshotSender against a peer played by the test (a loopback acceptor that reads raw bytes):
// it asks for the snapshot stream upgrade, then writes the message without data and the
// snapshot file as stored, read from the file in pieces; its report follows the peer's answer.
// The failpoint snap_send_midway set to `error` abandons the send once exactly half the file is
// written;
// a snapshot whose file is not there fails without a connection.
#include "server/transport/snapshot_sender.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <optional>
#include <string>
#include <thread>

#include "server/common/failpoint.hpp"
#include "server/common/file_mem.hpp"
#include "server/raft/codec.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshotter.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {
namespace {

namespace net = boost::asio;
using net::ip::tcp;

const std::string kDir = "/data/member/snap";

struct RecordedEvents final : PeerEvents {
  std::promise<bool> status;
  void on_unreachable(std::uint64_t) override {}
  void on_snapshot_status(std::uint64_t, bool ok) override { status.set_value(ok); }
  void on_removed_by_cluster() override {}
};

raft::Message snapshot_message() {
  raft::Message m;
  m.type = raft::MessageType::kSnap;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.snapshot.metadata.index = 40;
  m.snapshot.metadata.term = 3;
  m.snapshot.metadata.conf_state.voters = {1, 2, 3};
  return m;
}

// Stores the snapshot of `m` with `data_bytes` of data in `fs`; its file's bytes.
std::string store_file(MemFileSystem& fs, const raft::Message& m, std::size_t data_bytes) {
  snap::Snapshotter s(fs, kDir);
  raft::Snapshot snap{m.snapshot.metadata, std::string(data_bytes, 'x')};
  for (std::size_t i = 0; i < data_bytes; ++i) snap.data[i] = static_cast<char>('a' + i % 23);
  BOOST_REQUIRE(s.save(snap).is_ok());
  auto bytes = fs.read_file(kDir + "/" + snap::snapshot_name(3, 40));
  BOOST_REQUIRE(bytes.is_ok());
  return *bytes;
}

struct Peer {
  std::string head;      // the upgrade request
  std::string received;  // everything after it
};

// Accepts one connection, answers the upgrade with 101, reads the preamble and as much of the
// file as comes; once it is whole answers `status`; returns when the sender closes.
Peer serve_one(tcp::acceptor& acceptor, std::uint16_t status) {
  tcp::socket s(acceptor.get_executor());
  acceptor.accept(s);
  Peer peer;
  std::string in;
  char buf[65536];
  bool answered = false;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = s.read_some(net::buffer(buf), ec);
    in.append(buf, n);
    if (peer.head.empty()) {
      const auto head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        peer.head = in.substr(0, head_end + 4);
        in.erase(0, head_end + 4);
        const std::string upgrade = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " +
                                    std::string(kSnapshotProtocol) + "\r\n\r\n";
        net::write(s, net::buffer(upgrade));
      }
    }
    if (!peer.head.empty() && !answered) {
      auto preamble = decode_snapshot_preamble(in);
      if (preamble.is_ok() && preamble->has_value() && in.size() - (*preamble)->consumed == (*preamble)->file_bytes) {
        net::write(s, net::buffer(encode_snapshot_answer(status, status == 204 ? "" : "refused by the test")));
        answered = true;
      }
    }
    if (ec) break;
  }
  peer.received = in;
  return peer;
}

struct Run {
  Peer peer;
  bool reported_ok = false;
};

Run send_one(MemFileSystem& fs, const raft::Message& m, std::uint16_t status, bool expect_connection = true) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  RecordedEvents events;
  auto reported = events.status.get_future();
  auto sender = std::make_shared<SnapshotSender>(ioc, PeerIdentity{1, 2, 0x77}, std::vector<std::string>{url}, events,
                                                 nullptr, SnapshotFiles{&fs, kDir});
  sender->send(m);
  std::thread io([&] { ioc.run(); });
  Run run;
  if (expect_connection) run.peer = serve_one(acceptor, status);
  run.reported_ok = reported.get();
  sender->stop();
  io.join();
  return run;
}

struct FailpointsCleared {
  ~FailpointsCleared() { failpoint::configure(failpoint::Table{}); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot_sender)

BOOST_AUTO_TEST_CASE(upgrade_then_the_message_without_data_then_the_file_as_stored) {
  MemFileSystem fs;
  const raft::Message m = snapshot_message();
  const std::string file = store_file(fs, m, 3 * SnapshotSender::kChunkBytes + 1000);  // several pieces
  const Run run = send_one(fs, m, 204);
  BOOST_TEST(run.reported_ok);
  BOOST_TEST(run.peer.head.rfind("GET /raft/snapshot/stream HTTP/1.1\r\n", 0) == 0u);
  BOOST_TEST(run.peer.head.find("Upgrade: coord-raft-snapshot/2\r\n") != std::string::npos);
  BOOST_TEST(run.peer.head.find("X-Server-From: 1\r\n") != std::string::npos);
  auto preamble = decode_snapshot_preamble(run.peer.received);
  BOOST_TEST_REQUIRE(preamble.is_ok(), preamble.status().message());
  BOOST_TEST_REQUIRE(preamble->has_value());
  BOOST_TEST(((*preamble)->message == m));
  BOOST_TEST((*preamble)->file_bytes == file.size());
  BOOST_TEST(run.peer.received.substr((*preamble)->consumed) == file);
}

BOOST_AUTO_TEST_CASE(a_refusing_peer__is_a_failed_send) {
  MemFileSystem fs;
  const raft::Message m = snapshot_message();
  store_file(fs, m, 1000);
  BOOST_TEST(!send_one(fs, m, 400).reported_ok);
}

BOOST_AUTO_TEST_CASE(no_file__fails_without_a_connection) {
  MemFileSystem fs;
  BOOST_TEST(!send_one(fs, snapshot_message(), 204, false).reported_ok);
}

BOOST_AUTO_TEST_CASE(failpoint_snap_send_midway_error__part_of_the_file_then_the_connection_closes) {
  FailpointsCleared cleared;
  failpoint::configure(*failpoint::parse("snap_send_midway=error"));
  MemFileSystem fs;
  const raft::Message m = snapshot_message();
  const std::string file = store_file(fs, m, 1000);  // one piece, were it not for the middle
  const Run run = send_one(fs, m, 204);
  BOOST_TEST(!run.reported_ok);
  auto preamble = decode_snapshot_preamble(run.peer.received);
  BOOST_TEST_REQUIRE(preamble.is_ok());
  BOOST_TEST_REQUIRE(preamble->has_value());
  const std::string sent = run.peer.received.substr((*preamble)->consumed);
  BOOST_TEST(sent == file.substr(0, file.size() / 2));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::transport
