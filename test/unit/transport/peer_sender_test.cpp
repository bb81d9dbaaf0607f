// PeerSender against a peer played by the test (a loopback acceptor that reads raw bytes): as
// etcd's stream writers, it dials the peer's message stream at start with nothing to send, keeps
// it open with empty frames (0 messages) while idle, and, when the peer closes the stream, counts
// a disconnect and dials again. The prober's GET /raft/probing connections to the same port are
// answered and set aside.
#include "server/transport/peer_sender.hpp"

#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "server/transport/peer_wire.hpp"

namespace coord::transport {
namespace {

namespace net = boost::asio;
using net::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct IgnoredEvents final : PeerEvents {
  void on_unreachable(std::uint64_t) override {}
  void on_snapshot_status(std::uint64_t, bool) override {}
  void on_removed_by_cluster() override {}
};

// True when `fd` becomes readable before `deadline`.
bool readable(int fd, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left)) == 1;
}

// Reads from `s` until `done(in)` holds or `deadline` passes; false on a timeout or a close.
// `done` may consume what it has looked at.
template <typename Done>
bool read_until(tcp::socket& s, std::string& in, Clock::time_point deadline, Done done) {
  char buf[4096];
  while (!done(in)) {
    if (!readable(s.native_handle(), deadline)) return false;
    boost::system::error_code ec;
    const std::size_t n = s.read_some(net::buffer(buf), ec);
    in.append(buf, n);
    if (ec) return done(in);
  }
  return true;
}

// The peer's side: accepts connections until one asks for the message stream upgrade, which it
// answers 101 and returns (its head in `head`); the prober's requests get a probe answer.
std::optional<tcp::socket> accept_stream(tcp::acceptor& acceptor, std::string& head, Clock::time_point deadline) {
  while (readable(acceptor.native_handle(), deadline)) {
    tcp::socket s(acceptor.get_executor());
    acceptor.accept(s);
    std::string in;
    if (!read_until(s, in, deadline, [](std::string& t) { return t.find("\r\n\r\n") != std::string::npos; }))
      continue;
    if (in.rfind("GET /raft/stream ", 0) == 0) {
      net::write(s, net::buffer(std::string("HTTP/1.1 101 Switching Protocols\r\n\r\n")));
      head = in;
      return s;
    }
    const std::string probe = R"({"OK":true,"Now":"2026-01-01T00:00:00Z"})";
    net::write(s, net::buffer("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(probe.size()) + "\r\n\r\n" + probe));
  }
  return std::nullopt;
}

// Reads whole frames off the stream until `frames` of them came (or `deadline`); each must
// decode, and their messages are counted in `messages`.
bool read_frames(tcp::socket& s, std::size_t frames, std::size_t& messages, Clock::time_point deadline) {
  std::size_t seen = 0;
  messages = 0;
  auto whole_frames = [&](std::string& in) {
    // One frame at a time (its u32 little-endian length first), so that frames one read brought
    // together are counted apart.
    while (in.size() >= 4) {
      std::uint32_t length = 0;
      for (int i = 3; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
      if (in.size() < 4 + std::size_t{length}) break;
      auto decoded = decode_stream_frames(std::string_view(in).substr(0, 4 + std::size_t{length}));
      BOOST_TEST_REQUIRE(decoded.is_ok());
      ++seen;
      messages += decoded->messages.size();
      in.erase(0, 4 + std::size_t{length});
    }
    return seen >= frames;
  };
  std::string in;
  return read_until(s, in, deadline, whole_frames);
}

struct Link {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  IgnoredEvents events;
  std::shared_ptr<PeerSender> sender;
  std::thread io;

  Link() {
    const std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    sender = std::make_shared<PeerSender>(ioc, PeerIdentity{1, 2, 0x77}, std::vector<std::string>{url}, events);
    sender->start();
    io = std::thread([this] { ioc.run(); });
  }
  ~Link() {
    sender->stop();
    ioc.stop();
    io.join();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_sender)

BOOST_AUTO_TEST_CASE(start__dials_the_stream_with_nothing_to_send_and_keeps_it_with_empty_frames) {
  Link link;
  std::string head;
  auto stream = accept_stream(link.acceptor, head, Clock::now() + 5s);
  BOOST_TEST_REQUIRE(stream.has_value(), "no stream upgrade came");
  BOOST_TEST(head.find("\r\nX-Server-From: 1\r\n") != std::string::npos);
  BOOST_TEST(head.find("\r\nX-Etcd-Cluster-Id: 77\r\n") != std::string::npos);
  // Two keepalives, at most kKeepalive + the watchdog's second apart, and no message in them.
  std::size_t messages = 0;
  BOOST_TEST(read_frames(*stream, 2, messages, Clock::now() + 2 * (PeerSender::kKeepalive + 1s) + 1s));
  BOOST_TEST(messages == 0u);
  BOOST_TEST((link.sender->stats().active_since != Clock::time_point{}));
  BOOST_TEST(link.sender->stats().disconnects == 0u);
}

BOOST_AUTO_TEST_CASE(a_stream_the_peer_closes__counts_a_disconnect_and_is_dialed_again) {
  Link link;
  std::string head;
  auto first = accept_stream(link.acceptor, head, Clock::now() + 5s);
  BOOST_TEST_REQUIRE(first.has_value(), "no stream upgrade came");
  first->close();
  auto second = accept_stream(link.acceptor, head, Clock::now() + 5s);
  BOOST_TEST_REQUIRE(second.has_value(), "the stream was not dialed again");
  BOOST_TEST(link.sender->stats().disconnects == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::transport
