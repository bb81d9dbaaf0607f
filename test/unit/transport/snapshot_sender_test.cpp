// SnapshotSender against a peer played by the test (a loopback acceptor that reads raw bytes):
// the request it writes in parts (head, then the body in two halves) is one well-formed POST
// /raft/snapshot carrying the snapshot whole, and the failpoint snap_send_midway set to `error`
// abandons the send after the head and exactly half the body, reported failed.
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
#include "server/raft/codec.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {
namespace {

namespace net = boost::asio;
using net::ip::tcp;

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
  m.snapshot.data = std::string(100000, 'x');  // more than one socket write
  return m;
}

// Accepts one connection and reads everything until the sender closes it, or, once a whole
// request (head and Content-Length bytes) is in, answers `status` and returns.
std::string serve_one(tcp::acceptor& acceptor, int status) {
  tcp::socket s(acceptor.get_executor());
  acceptor.accept(s);
  std::string in;
  char buf[8192];
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = s.read_some(net::buffer(buf), ec);
    in.append(buf, n);
    const auto head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const auto at = in.find("Content-Length: ");
      const std::size_t length = std::stoull(in.substr(at + 16));
      if (in.size() >= head_end + 4 + length) {
        const std::string answer = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n";
        net::write(s, net::buffer(answer));
        return in;
      }
    }
    if (ec) return in;
  }
}

struct Run {
  std::string received;
  bool reported_ok = false;
};

Run send_one(const raft::Message& m) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  RecordedEvents events;
  auto reported = events.status.get_future();
  auto sender = std::make_shared<SnapshotSender>(ioc, PeerIdentity{1, 2, 0x77}, std::vector<std::string>{url}, events);
  sender->send(m);
  std::thread io([&] { ioc.run(); });
  Run run;
  run.received = serve_one(acceptor, 204);
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

BOOST_AUTO_TEST_CASE(the_parts_make_one_request_carrying_the_whole_snapshot) {
  const raft::Message m = snapshot_message();
  const Run run = send_one(m);
  BOOST_TEST(run.reported_ok);
  BOOST_TEST(run.received.rfind("POST /raft/snapshot HTTP/1.1\r\n", 0) == 0u);
  const auto body_at = run.received.find("\r\n\r\n") + 4;
  auto batch = decode_batch(std::string_view(run.received).substr(body_at));
  BOOST_TEST_REQUIRE(batch.is_ok(), batch.status().message());
  BOOST_TEST_REQUIRE(batch->size() == 1u);
  BOOST_TEST((batch->front() == m));
}

BOOST_AUTO_TEST_CASE(failpoint_snap_send_midway_error__half_the_body_then_the_connection_closes) {
  FailpointsCleared cleared;
  failpoint::configure(*failpoint::parse("snap_send_midway=error"));
  const raft::Message m = snapshot_message();
  const Run run = send_one(m);
  BOOST_TEST(!run.reported_ok);
  const std::string body = encode_batch({raft::encode(m)});
  const auto head_end = run.received.find("\r\n\r\n");
  BOOST_TEST_REQUIRE(head_end != std::string::npos);
  BOOST_TEST(run.received.size() - (head_end + 4) == body.size() / 2);
  BOOST_TEST(run.received.substr(head_end + 4) == body.substr(0, body.size() / 2));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::transport
