// KeysClient's CONNECT tunnel (an https discovery URL through --discovery-proxy) against proxies
// that misbehave. Each fake proxy answers the tunnel request with fixed bytes. Must hold: the call
// fails with an error naming the proxy or the step (the caller retries), and never hangs past its
// deadline or crashes.
#include "server/discovery/keys_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

using coord::discovery::KeysClient;
using coord::discovery::ServiceUrl;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// A proxy on a free loopback port that reads one request head per connection, answers it with
// `answer`, then holds the connection until the client closes it.
class FixedAnswerProxy {
 public:
  explicit FixedAnswerProxy(std::string answer)
      : answer_(std::move(answer)), acceptor_(ioc_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FixedAnswerProxy() {
    // A blocking accept is not woken by closing the acceptor from another thread: connect to it.
    stopping_ = true;
    net::io_context ioc;
    net::ip::tcp::socket wake(ioc);
    boost::system::error_code ignored;
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  std::string request() const {
    std::lock_guard lock(mu_);
    return request_;
  }

 private:
  void serve() {
    while (!stopping_) {
      boost::system::error_code ec;
      net::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      std::string head;
      net::read_until(socket, net::dynamic_buffer(head), "\r\n\r\n", ec);
      if (ec) continue;
      {
        std::lock_guard lock(mu_);
        request_ = head;
      }
      net::write(socket, net::buffer(answer_), ec);
      char byte;
      socket.read_some(net::buffer(&byte, 1), ec);  // until the client closes
    }
  }

  const std::string answer_;
  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::string request_;  // guarded by mu_
  std::thread thread_;
};

// A get of the token through `proxy`; the error's message (empty when it succeeded).
std::string failure_through(const FixedAnswerProxy& proxy) {
  auto service = ServiceUrl::parse("https://127.0.0.1:1/v2/keys/discovery/t");
  auto via = ServiceUrl::parse_proxy(proxy.address());
  BOOST_REQUIRE(service && via);
  KeysClient client(*service, *via, 2s, 2s);
  const auto started = std::chrono::steady_clock::now();
  auto answer = client.get("/v2/keys/discovery/t");
  BOOST_TEST((std::chrono::steady_clock::now() - started < 2500ms));  // within its deadline
  return answer ? std::string() : answer.status().message();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(discovery_keys_client_tunnel)

BOOST_AUTO_TEST_CASE(refused_tunnel__named_with_the_proxy_status) {
  FixedAnswerProxy proxy("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
  const std::string error = failure_through(proxy);
  BOOST_TEST(error.find("refused CONNECT 127.0.0.1:1: 407 Proxy Authentication Required") != std::string::npos, error);
  BOOST_TEST(proxy.request().rfind("CONNECT 127.0.0.1:1 HTTP/1.1\r\n", 0) == 0u, proxy.request());
}

BOOST_AUTO_TEST_CASE(bytes_after_the_tunnel_answer__refused_before_any_tls) {
  FixedAnswerProxy proxy("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01 not ours");
  const std::string error = failure_through(proxy);
  BOOST_TEST(error.find("sent data before the TLS handshake") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(garbage_or_silence_instead_of_an_answer__fails_naming_the_step) {
  {
    FixedAnswerProxy proxy(std::string("\x00\xff\r\nNOT HTTP\r\n\r\n", 16));
    const std::string error = failure_through(proxy);
    BOOST_TEST(error.find("CONNECT 127.0.0.1:1 through") != std::string::npos, error);
  }
  {
    FixedAnswerProxy proxy("");  // accepts, reads the request, says nothing
    const std::string error = failure_through(proxy);
    BOOST_TEST(error.find("CONNECT 127.0.0.1:1 through") != std::string::npos, error);
    BOOST_TEST(error.find("no answer within") != std::string::npos, error);
  }
}

BOOST_AUTO_TEST_SUITE_END()
