// How a plain Session reads requests between answers: it waits for the socket to become
// readable, reads once and parses what came (Session::wait_for_request, parse_buffered), so
// these cases pin what that must keep: heads and bodies split across reads, pipelined requests,
// the idle timeout of a keep-alive connection (a lazily re-armed timer) and the deadline of a
// request that stops half way.
#include "server/http/session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "test/support/net/raw_connection.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using coord::http::HttpRequest;
using coord::http::Reply;
using coord::http::Session;
using coord::http::SessionLimits;

namespace {

// Answers every request at once with its target, and its body after a '=' when it has one.
class TargetEcho : public coord::http::RequestHandler {
 public:
  void route(HttpRequest request, std::shared_ptr<Session> session) override {
    std::string text(request.target());
    if (!request.body().empty()) text += "=" + request.body();
    session->reply(Reply{200, coord::http::kText, std::move(text), {}});
  }
};

// One server session on an io thread and the raw client connection to it.
class SessionFixture {
 public:
  explicit SessionFixture(std::chrono::seconds read_timeout)
      : acceptor_(ioc_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        client_("127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port())) {
    SessionLimits limits;
    limits.read_timeout = read_timeout;
    auto session = std::make_shared<Session>(acceptor_.accept(net::make_strand(ioc_)), handler_, limits);
    session->start();
    io_thread_ = std::thread([this] { ioc_.run(); });
  }
  ~SessionFixture() {
    work_.reset();
    ioc_.stop();
    io_thread_.join();
  }

  void send(const std::string& bytes) { BOOST_REQUIRE(client_.send(bytes)); }
  // Reads until `needle` arrived `count` times, the server closed or 5 s passed.
  std::string read_until(const std::string& needle, int count = 1) { return client_.read_until(needle, count); }
  // True when the server closes the connection within `timeout` (anything it sends is dropped).
  bool closed_within(std::chrono::milliseconds timeout) {
    client_.read_all(timeout);
    return client_.closed();
  }

 private:
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  net::ip::tcp::acceptor acceptor_;
  coord::test::RawConnection client_;
  TargetEcho handler_;
  std::thread io_thread_;
};

std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(session_read)

BOOST_AUTO_TEST_CASE(a_request_split_across_reads_is_answered_and_the_next_one_too) {
  SessionFixture f(60s);
  f.send("GET /first HTTP/1.1\r\nHo");
  std::this_thread::sleep_for(50ms);  // pacing the client: the session must read twice
  f.send("st: x\r\n\r\n");
  BOOST_TEST(f.read_until("/first").find("HTTP/1.1 200 OK") == 0u);
  f.send(get("/second"));
  BOOST_TEST(f.read_until("/second").find("HTTP/1.1 200 OK") == 0u);
}

BOOST_AUTO_TEST_CASE(a_body_split_across_reads_is_read_whole) {
  SessionFixture f(60s);
  f.send("PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nfirst");
  std::this_thread::sleep_for(50ms);  // pacing the client: the head and half the body come first
  f.send("-half");
  BOOST_TEST(f.read_until("/k=first-half").find("HTTP/1.1 200 OK") == 0u);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
  SessionFixture f(60s);
  f.send(get("/one") + get("/two") + get("/three"));
  const std::string got = f.read_until("HTTP/1.1 200 OK", 3);
  const auto one = got.find("/one"), two = got.find("/two"), three = got.find("/three");
  BOOST_REQUIRE(three != std::string::npos);
  BOOST_TEST((one < two && two < three));
}

BOOST_AUTO_TEST_CASE(an_idle_keep_alive_connection_is_closed_after_the_read_timeout) {
  SessionFixture f(1s);
  f.send(get("/a"));
  BOOST_TEST(f.read_until("/a").find("HTTP/1.1 200 OK") == 0u);
  BOOST_TEST(f.closed_within(10s));
}

BOOST_AUTO_TEST_CASE(a_connection_in_use_outlives_the_read_timeout) {
  // Each request moves the idle deadline: five requests 400 ms apart span twice the timeout.
  SessionFixture f(1s);
  for (int i = 0; i < 5; ++i) {
    if (i > 0) std::this_thread::sleep_for(400ms);  // pacing the client
    const std::string target = "/r" + std::to_string(i);
    f.send(get(target));
    BOOST_TEST(f.read_until(target).find("HTTP/1.1 200 OK") == 0u);
  }
}

BOOST_AUTO_TEST_CASE(a_request_that_stops_half_way_is_cut_off_at_the_read_timeout) {
  SessionFixture f(1s);
  f.send("GET /slow HTTP/1.1\r\nHo");
  BOOST_TEST(f.closed_within(10s));
}

BOOST_AUTO_TEST_SUITE_END()
