// KeysClient's CONNECT tunnel (an https discovery URL through --discovery-proxy) against proxies
// that misbehave. Each fake proxy answers the tunnel request with fixed bytes. Must hold: the call
// fails with an error naming the proxy or the step (the caller retries), and never hangs past its
// deadline or crashes.
#include "server/discovery/keys_client.hpp"
#include "test/support/net/answering_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

using coord::discovery::KeysClient;
using coord::discovery::ServiceUrl;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

using coord::test::AnsweringServer;

// A proxy's answer to every request: always `bytes`.
std::function<std::string()> fixed(std::string bytes) {
  return [bytes = std::move(bytes)] { return bytes; };
}

// A get of the token through `proxy`; the error's message (empty when it succeeded).
std::string failure_through(const AnsweringServer& proxy) {
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
  AnsweringServer proxy(fixed("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"));
  const std::string error = failure_through(proxy);
  BOOST_TEST(error.find("refused CONNECT 127.0.0.1:1: 407 Proxy Authentication Required") != std::string::npos, error);
  BOOST_TEST(proxy.last_request().rfind("CONNECT 127.0.0.1:1 HTTP/1.1\r\n", 0) == 0u, proxy.last_request());
}

BOOST_AUTO_TEST_CASE(bytes_after_the_tunnel_answer__refused_before_any_tls) {
  AnsweringServer proxy(fixed("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01 not ours"));
  const std::string error = failure_through(proxy);
  BOOST_TEST(error.find("sent data before the TLS handshake") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(garbage_or_silence_instead_of_an_answer__fails_naming_the_step) {
  {
    AnsweringServer proxy(fixed(std::string("\x00\xff\r\nNOT HTTP\r\n\r\n", 16)));
    const std::string error = failure_through(proxy);
    BOOST_TEST(error.find("CONNECT 127.0.0.1:1 through") != std::string::npos, error);
  }
  {
    AnsweringServer proxy(fixed(""));  // accepts, reads the request, says nothing
    const std::string error = failure_through(proxy);
    BOOST_TEST(error.find("CONNECT 127.0.0.1:1 through") != std::string::npos, error);
    BOOST_TEST(error.find("no answer within") != std::string::npos, error);
  }
}

BOOST_AUTO_TEST_SUITE_END()
