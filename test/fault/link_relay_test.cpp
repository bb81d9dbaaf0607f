// LinkRelays (test/support/net/link_relay.hpp) on its own, before the scenarios trust it: two
// "members" whose peer ports are one echo server, so what a client reads back is exactly what the
// relay let through toward the member. Each case names the fault and what passes.
#include "test/support/net/link_relay.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "test/support/net/raw_connection.hpp"
#include "test/support/process/eventually.hpp"

using namespace std::chrono_literals;
using coord::test::LinkRelays;
using coord::test::RawConnection;
using Cut = LinkRelays::CutMode;

namespace {

// A loopback TCP server that sends back every byte it receives, one thread per connection.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("EchoServer: cannot listen");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // shutdown() below
        conns_.push_back(c);
        echoes_.emplace_back([c] {
          char buf[4096];
          for (ssize_t n; (n = ::read(c, buf, sizeof buf)) > 0;)
            if (::write(c, buf, static_cast<std::size_t>(n)) != n) return;
        });
      }
    });
  }
  ~EchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    for (int c : conns_) ::shutdown(c, SHUT_RDWR);
    for (auto& t : echoes_) t.join();
    for (int c : conns_) ::close(c);
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<int> conns_;  // acceptor thread until it is joined
  std::vector<std::thread> echoes_;
};

const char* kHeadFrom0 = "GET /raft/stream HTTP/1.1\r\nHost: x\r\nX-Server-From: a1\r\n\r\n";
const char* kHeadFrom1 = "GET /raft/stream HTTP/1.1\r\nHost: x\r\nx-server-from:  B2\r\n\r\n";

struct Fixture {
  Fixture() : relays({echo.port(), echo.port()}, {0, 0}) {
    relays.set_member_id(0, "a1");
    relays.set_member_id(1, "b2");
  }
  EchoServer echo;
  LinkRelays relays;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(link_relay)

BOOST_FIXTURE_TEST_CASE(no_fault__every_byte_passes_and_the_sender_is_known, Fixture) {
  RawConnection c(relays.url(1));
  BOOST_TEST(c.send(std::string(kHeadFrom0) + "hello"));
  BOOST_TEST(c.read_until("hello", 1, 2s) == std::string(kHeadFrom0) + "hello");
  BOOST_TEST(relays.open_connections(0, 1) == 1u);
  BOOST_TEST(relays.open_connections(1, 0) == 0u);
}

BOOST_FIXTURE_TEST_CASE(cut_close__breaks_open_connections_and_refuses_new_ones_until_healed, Fixture) {
  RawConnection open(relays.url(1));
  BOOST_TEST(open.send(kHeadFrom0));
  open.read_until("\r\n\r\n", 1, 2s);
  relays.cut(0, 1, Cut::kClose);
  open.read_all(2s);
  BOOST_TEST(open.closed(), "the open connection of the cut link was not closed");
  RawConnection fresh(relays.url(1));
  static_cast<void>(fresh.send(std::string(kHeadFrom0) + "x"));
  BOOST_TEST(fresh.read_all(2s).empty());
  BOOST_TEST(fresh.closed(), "a new connection of the cut link was not refused");
  BOOST_TEST(relays.refused(0, 1) == 2u);
  // The other direction, and other senders, are untouched.
  RawConnection other(relays.url(0));
  BOOST_TEST(other.send(std::string(kHeadFrom1) + "y"));
  BOOST_TEST(other.read_until("y", 1, 2s) == std::string(kHeadFrom1) + "y");
  relays.heal(0, 1);
  RawConnection healed(relays.url(1));
  BOOST_TEST(healed.send(std::string(kHeadFrom0) + "z"));
  BOOST_TEST(healed.read_until("z", 1, 2s) == std::string(kHeadFrom0) + "z");
}

BOOST_FIXTURE_TEST_CASE(cut_freeze__holds_bytes_in_order_until_healed, Fixture) {
  RawConnection c(relays.url(1));
  BOOST_TEST(c.send(std::string(kHeadFrom0) + "one;"));
  BOOST_TEST(c.read_until("one;", 1, 2s) == std::string(kHeadFrom0) + "one;");
  relays.cut(0, 1, Cut::kFreeze);
  BOOST_TEST(c.send("two;"));
  BOOST_TEST(c.send("three;"));
  BOOST_TEST(c.read_until("three;", 1, 300ms).empty(), "bytes passed a frozen link");
  BOOST_TEST(!c.closed());
  relays.heal(0, 1);
  BOOST_TEST(c.read_until("three;", 1, 2s) == "two;three;");
}

BOOST_FIXTURE_TEST_CASE(unknown_sender__is_never_faulted, Fixture) {
  relays.isolate(1, Cut::kClose);
  relays.isolate(0, Cut::kFreeze);
  RawConnection c(relays.url(1));
  const std::string head = "GET /members HTTP/1.1\r\nHost: x\r\n\r\n";
  BOOST_TEST(c.send(head + "q"));
  BOOST_TEST(c.read_until("q", 1, 2s) == head + "q");
}

BOOST_FIXTURE_TEST_CASE(delay__holds_each_chunk_at_least_the_base_delay, Fixture) {
  relays.set_delay(0, 1, 150ms, 50ms);
  RawConnection c(relays.url(1));
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(c.send(kHeadFrom0));
  BOOST_TEST(c.read_until("\r\n\r\n", 1, 2s) == kHeadFrom0);
  const auto waited = std::chrono::steady_clock::now() - start;
  BOOST_TEST((waited >= 150ms));
}

BOOST_FIXTURE_TEST_CASE(drop__closes_the_connection_with_the_given_probability, Fixture) {
  relays.set_drop(0, 1, 1.0);
  RawConnection c(relays.url(1));
  static_cast<void>(c.send(kHeadFrom0));
  BOOST_TEST(c.read_all(2s).empty());
  BOOST_TEST(c.closed());
  BOOST_TEST(relays.refused(0, 1) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
