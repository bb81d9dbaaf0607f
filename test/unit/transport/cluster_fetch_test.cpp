// fetch_cluster (what a member joining a running cluster asks first) against a peer that
// accepts the connection and then says nothing: the fetch must fail with an error naming the
// step that got no answer once its deadline passes, over plain TCP and over TLS, instead of
// blocking the member's start forever.
#include "server/transport/cluster_fetch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <chrono>
#include <list>
#include <thread>

using namespace coord;
namespace net = boost::asio;

namespace {

// Listens on a free loopback port, accepts every connection and keeps it open without reading
// or writing a byte, until destroyed.
class SilentPeer {
 public:
  SilentPeer() : acceptor_(ioc_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~SilentPeer() {
    ioc_.stop();
    thread_.join();
  }
  std::string url(const std::string& scheme) const {
    return scheme + "://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int accepted() const { return accepted_.load(); }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, net::ip::tcp::socket socket) {
      if (ec) return;
      held_.push_back(std::move(socket));  // only this io thread touches held_
      ++accepted_;
      accept();
    });
  }

  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_;
  std::list<net::ip::tcp::socket> held_;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

constexpr std::chrono::milliseconds kDeadline{300};

}  // namespace

BOOST_AUTO_TEST_SUITE(cluster_fetch)

BOOST_AUTO_TEST_CASE(silent_peer_over_http__the_fetch_fails_at_its_deadline_naming_the_request) {
  SilentPeer peer;
  auto info = transport::fetch_cluster({peer.url("http")}, kDeadline);
  BOOST_REQUIRE(!info.is_ok());
  BOOST_TEST(peer.accepted() == 1);
  BOOST_TEST_MESSAGE(info.status().to_string());
  BOOST_TEST(info.status().message().find("GET " + peer.url("http") + "/members: no answer within 300 ms") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(silent_peer_over_https__the_handshake_fails_at_its_deadline) {
  SilentPeer peer;
  tls::ContextOptions options;
  options.role = tls::Role::kClient;
  auto source = tls::ContextSource::create(options);
  BOOST_REQUIRE(source.is_ok());
  auto info = transport::fetch_cluster({peer.url("https")}, kDeadline, source.value().get());
  BOOST_REQUIRE(!info.is_ok());
  BOOST_TEST(peer.accepted() == 1);
  BOOST_TEST_MESSAGE(info.status().to_string());
  BOOST_TEST(info.status().message().find("TLS handshake with " + peer.url("https") + ": no answer within 300 ms") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_peer_silent__each_is_asked_and_the_last_failure_is_named) {
  SilentPeer a, b;
  auto info = transport::fetch_cluster({a.url("http"), b.url("http")}, kDeadline);
  BOOST_REQUIRE(!info.is_ok());
  BOOST_TEST(a.accepted() == 1);
  BOOST_TEST(b.accepted() == 1);
  BOOST_TEST(info.status().message().find(b.url("http")) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
