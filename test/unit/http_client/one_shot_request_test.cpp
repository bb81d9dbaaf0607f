// send_one_request (server/http_client/one_shot_request.hpp) against a scripted server on
// 127.0.0.1 that answers one request with fixed bytes, hostile ones included. Must hold: what a
// peer sends is returned as it was (status, headers, body); a peer that closes early, sends too
// much, says nothing, sends garbage or speaks no TLS gives an error of the documented kind naming
// the step, within the deadline, and never a crash or a hang.
#include "server/http_client/one_shot_request.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

using namespace coord;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {

// One connection on a free loopback port, served on its own thread: reads the request head (and
// a body of its Content-Length), records them, writes `answer`, then either closes at once or
// holds the connection until the client closes it; or (kGreet) writes `answer` without reading
// anything first, then holds. The destructor joins: every test's client
// connects (or a wake-up connection does).
class ScriptedServer {
 public:
  enum class Then { kClose, kHold, kGreet };

  ScriptedServer(std::string answer, Then then)
      : answer_(std::move(answer)), then_(then), acceptor_(ioc_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    // A blocking accept is not woken by closing the acceptor from another thread: connect to it.
    net::io_context ioc;
    net::ip::tcp::socket wake(ioc);
    boost::system::error_code ignored;
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }

  http_client::Peer peer() const {
    http_client::Peer p;
    p.host = "127.0.0.1";
    p.port = port_;
    return p;
  }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string request() const {
    std::lock_guard lock(mu_);
    return request_;
  }

 private:
  void serve() {
    boost::system::error_code ec;
    net::ip::tcp::socket socket(ioc_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    char byte;
    if (then_ == Then::kGreet) {
      net::write(socket, net::buffer(answer_), ec);
      while (!ec) socket.read_some(net::buffer(&byte, 1), ec);  // whatever the client says, until it closes
      return;
    }
    std::string received;
    const auto head = net::read_until(socket, net::dynamic_buffer(received), "\r\n\r\n", ec);
    if (ec) return;
    const auto length = received.find("Content-Length: ");
    if (length != std::string::npos && length < head) {
      const std::size_t want = head + std::stoul(received.substr(length + 16));
      if (received.size() < want) net::read(socket, net::dynamic_buffer(received), net::transfer_exactly(want - received.size()), ec);
    }
    {
      std::lock_guard lock(mu_);
      request_ = received;
    }
    net::write(socket, net::buffer(answer_), ec);
    if (then_ == Then::kClose) return;
    socket.read_some(net::buffer(&byte, 1), ec);  // until the client closes
  }

  const std::string answer_;
  const Then then_;
  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_;
  const unsigned short port_ = acceptor_.local_endpoint().port();
  mutable std::mutex mu_;
  std::string request_;  // guarded by mu_
  std::thread thread_;
};

http_client::Request get(std::string target) {
  http_client::Request r;
  r.target = std::move(target);
  return r;
}

http_client::Options within(std::chrono::milliseconds timeout, std::uint64_t body_limit = 1 << 20) {
  http_client::Options o;
  o.timeout = timeout;
  o.body_limit = body_limit;
  return o;
}

// The failure of a request to `server` that must fail: its code and message.
Status failure(const ScriptedServer& server, const http_client::Options& options) {
  const auto started = std::chrono::steady_clock::now();
  auto answer = http_client::send_one_request(server.peer(), get("/x"), options);
  BOOST_TEST((std::chrono::steady_clock::now() - started < options.timeout + 1s));
  BOOST_REQUIRE(!answer);
  BOOST_TEST_MESSAGE(answer.status().to_string());
  return answer.status();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_client_one_shot_request)

BOOST_AUTO_TEST_CASE(an_error_status__is_an_answer_with_its_headers_and_body) {
  ScriptedServer server("HTTP/1.1 503 Service Unavailable\r\nX-Etcd-Index: 7\r\nContent-Length: 4\r\n\r\nbusy",
                        ScriptedServer::Then::kHold);
  auto answer = http_client::send_one_request(server.peer(), get("/members"), within(5s));
  BOOST_REQUIRE(answer.is_ok());
  BOOST_TEST(answer->status == 503);
  BOOST_TEST(answer->header("x-etcd-index") == "7");
  BOOST_TEST(answer->header("X-Etcd-Missing") == "");
  BOOST_TEST(answer->body == "busy");
  const auto request = server.request();
  BOOST_TEST(request.rfind("GET /members HTTP/1.1\r\n", 0) == 0u, request);
  BOOST_TEST(contains(request, "Host: " + server.authority() + "\r\n"), request);
  BOOST_TEST(contains(request, "Connection: close\r\n"), request);
}

BOOST_AUTO_TEST_CASE(a_body__goes_with_its_type_and_length) {
  ScriptedServer server("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", ScriptedServer::Then::kHold);
  http_client::Request put;
  put.method = "PUT";
  put.target = "/v2/keys/a?prevExist=false";
  put.content_type = "application/x-www-form-urlencoded";
  put.body = "value=b";
  put.user_agent = "coordd-test";
  auto answer = http_client::send_one_request(server.peer(), put, within(5s));
  BOOST_REQUIRE(answer.is_ok());
  BOOST_TEST(answer->status == 201);
  const auto request = server.request();
  BOOST_TEST(request.rfind("PUT /v2/keys/a?prevExist=false HTTP/1.1\r\n", 0) == 0u, request);
  BOOST_TEST(contains(request, "Content-Type: application/x-www-form-urlencoded\r\n"), request);
  BOOST_TEST(contains(request, "Content-Length: 7\r\n"), request);
  BOOST_TEST(contains(request, "User-Agent: coordd-test\r\n"), request);
  BOOST_TEST(contains(request, "\r\n\r\nvalue=b"), request);
}

BOOST_AUTO_TEST_CASE(an_answer_ended_by_close__is_read_to_the_end) {
  ScriptedServer server("HTTP/1.1 200 OK\r\n\r\nall of it", ScriptedServer::Then::kClose);
  auto answer = http_client::send_one_request(server.peer(), get("/x"), within(5s));
  BOOST_REQUIRE(answer.is_ok());
  BOOST_TEST(answer->body == "all of it");
}

BOOST_AUTO_TEST_CASE(through_a_proxy__an_http_target_is_asked_in_absolute_form) {
  ScriptedServer proxy("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", ScriptedServer::Then::kHold);
  http_client::Peer target;
  target.host = "192.0.2.1";  // never dialled: the proxy is
  target.port = 2379;
  const auto via = proxy.peer();
  auto options = within(5s);
  options.proxy = &via;
  auto answer = http_client::send_one_request(target, get("/v2/keys/t"), options);
  BOOST_REQUIRE(answer.is_ok());
  const auto request = proxy.request();
  BOOST_TEST(request.rfind("GET http://192.0.2.1:2379/v2/keys/t HTTP/1.1\r\n", 0) == 0u, request);
  BOOST_TEST(contains(request, "Host: 192.0.2.1:2379\r\n"), request);
}

BOOST_AUTO_TEST_CASE(server_closes_before_answering__unavailable_naming_the_request) {
  ScriptedServer server("", ScriptedServer::Then::kClose);
  const auto s = failure(server, within(5s));
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST(s.message() == "GET http://" + server.authority() + "/x: end of stream", s.message());
}

BOOST_AUTO_TEST_CASE(server_closes_in_the_middle_of_the_body__unavailable) {
  ScriptedServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", ScriptedServer::Then::kClose);
  const auto s = failure(server, within(5s));
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST(contains(s.message(), "GET http://" + server.authority() + "/x: partial message"), s.message());
}

BOOST_AUTO_TEST_CASE(declared_body_over_the_limit__corruption_before_reading_it) {
  ScriptedServer server("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n", ScriptedServer::Then::kHold);
  const auto s = failure(server, within(5s, 1000));
  BOOST_TEST((s.code() == StatusCode::kCorruption));
  BOOST_TEST(s.message() == "GET http://" + server.authority() + "/x: answer larger than 1000 bytes", s.message());
}

BOOST_AUTO_TEST_CASE(undeclared_body_over_the_limit__corruption) {
  ScriptedServer server("HTTP/1.1 200 OK\r\n\r\n" + std::string(5000, 'a'), ScriptedServer::Then::kHold);
  const auto s = failure(server, within(5s, 1000));
  BOOST_TEST((s.code() == StatusCode::kCorruption));
  BOOST_TEST(contains(s.message(), "answer larger than 1000 bytes"), s.message());
}

BOOST_AUTO_TEST_CASE(endless_header__refused_at_the_parser_limit) {
  ScriptedServer server("HTTP/1.1 200 OK\r\nX-Long: " + std::string(1 << 20, 'a'), ScriptedServer::Then::kHold);
  const auto s = failure(server, within(5s));
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST(contains(s.message(), "GET http://" + server.authority() + "/x: header limit exceeded"), s.message());
}

BOOST_AUTO_TEST_CASE(silent_server__timeout_at_the_deadline_naming_the_request) {
  ScriptedServer server("", ScriptedServer::Then::kHold);
  const auto s = failure(server, within(300ms));
  BOOST_TEST((s.code() == StatusCode::kTimeout));
  BOOST_TEST(s.message() == "GET http://" + server.authority() + "/x: no answer within 300 ms", s.message());
}

BOOST_AUTO_TEST_CASE(head_then_silence__timeout_too) {
  ScriptedServer server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", ScriptedServer::Then::kHold);
  const auto s = failure(server, within(300ms));
  BOOST_TEST((s.code() == StatusCode::kTimeout));
}

BOOST_AUTO_TEST_CASE(garbage_instead_of_http__unavailable) {
  ScriptedServer server("SSH-2.0-OpenSSH_9.0\r\n\r\n", ScriptedServer::Then::kHold);
  const auto s = failure(server, within(5s));
  BOOST_TEST((s.code() == StatusCode::kUnavailable));
  BOOST_TEST(contains(s.message(), "GET http://" + server.authority() + "/x: "), s.message());
}

BOOST_AUTO_TEST_CASE(no_tls_at_an_https_peer__the_handshake_fails_naming_it) {
  ScriptedServer server("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", ScriptedServer::Then::kGreet);
  auto peer = server.peer();
  peer.tls = http_client::system_trust_context();
  peer.name = "https://" + server.authority();
  auto answer = http_client::send_one_request(peer, get("/x"), within(5s));
  BOOST_REQUIRE(!answer);
  BOOST_TEST((answer.status().code() == StatusCode::kUnavailable));
  BOOST_TEST(contains(answer.status().message(), "TLS handshake with https://" + server.authority() + ": "), answer.status().message());
}

BOOST_AUTO_TEST_CASE(nobody_listening__unavailable_naming_the_connect) {
  unsigned short port;
  {
    net::io_context ioc;
    net::ip::tcp::acceptor probe(ioc, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  http_client::Peer peer;
  peer.host = "127.0.0.1";
  peer.port = port;
  auto answer = http_client::send_one_request(peer, get("/x"), within(5s));
  BOOST_REQUIRE(!answer);
  BOOST_TEST((answer.status().code() == StatusCode::kUnavailable));
  BOOST_TEST(contains(answer.status().message(), "connect 127.0.0.1:" + std::to_string(port) + ": "), answer.status().message());
}

BOOST_AUTO_TEST_SUITE_END()
