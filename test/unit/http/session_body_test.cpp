// How a plain Session reads large request bodies and writes large answers: a Content-Length
// body of more than kLargeBodyBytes is read straight into the request in large pieces
// (Session::read_large_body, with the socket's receive low-water mark), and an answer body of
// more than kGatheredBodyBytes is written from the Reply's string behind the head
// (write_gathered). These cases pin what those paths must keep: the body whole and in order
// however the client paces it, the read deadline of a body that stops short, a request
// pipelined right behind a large body and one sent later (the low-water mark is reset), the
// body limit, 100-continue, and a large answer to a client that reads slowly.
#include "server/http/session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "test/support/http/session_under_test.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using coord::http::HttpRequest;
using coord::http::Reply;
using coord::http::Session;
using coord::http::SessionLimits;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

// Bytes whose order shows: a piece read to the wrong place changes the digest.
std::string pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7 + seed + i / 251) % 26);
  return out;
}

// FNV-1a: the handler answers a digest of the body, not the body.
std::uint64_t digest(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::string summary(const std::string& target, const std::string& body) {
  return target + " " + std::to_string(body.size()) + " " + std::to_string(digest(body));
}

// Answers "/big/N" with N bytes of pattern(N, 1), anything else with summary(target, body).
class BodyHandler : public coord::http::RequestHandler {
 public:
  void route(HttpRequest request, std::shared_ptr<Session> session) override {
    const std::string target(request.target());
    if (target.rfind("/big/", 0) == 0) {
      const std::size_t size = std::stoul(target.substr(5));
      return session->reply(Reply{200, coord::http::kText, pattern(size, 1), {}});
    }
    session->reply(Reply{200, coord::http::kText, summary(target, request.body()), {}});
  }
};

std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"; }
std::string put_head(const std::string& target, std::size_t length) {
  return "PUT " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

// The session under test with a BodyHandler.
class BodyFixture : public coord::test::SessionUnderTest {
 public:
  explicit BodyFixture(std::chrono::seconds read_timeout, std::size_t body_limit = 2 * kMiB, int receive_buffer = 0)
      : SessionUnderTest(handler_, limits(read_timeout, body_limit), receive_buffer) {}

 private:
  static SessionLimits limits(std::chrono::seconds read_timeout, std::size_t body_limit) {
    SessionLimits l;
    l.read_timeout = read_timeout;
    l.body_limit = body_limit;
    return l;
  }
  // Stateless, so one serves every fixture; static because the base, which starts the session
  // on it, is constructed before any member would be.
  static BodyHandler handler_;
};
BodyHandler BodyFixture::handler_;

}  // namespace

BOOST_AUTO_TEST_SUITE(session_body)

BOOST_AUTO_TEST_CASE(a_large_body_arriving_in_small_pieces_with_pauses_is_read_whole) {
  BodyFixture f(60s);
  const std::string body = pattern(kMiB, 0);
  // Part of the body comes with the head (the parser takes it), the rest in uneven pieces.
  std::size_t at = 1000;
  f.send(put_head("/k", body.size()) + body.substr(0, at));
  for (std::size_t piece = 3000; at < body.size(); piece = piece * 3 % 70001 + 1) {
    std::this_thread::sleep_for(2ms);  // pacing the client: the session reads many times
    f.send(body.substr(at, piece));
    at += std::min(piece, body.size() - at);
  }
  BOOST_TEST(f.read_until(summary("/k", body)).find("HTTP/1.1 200 OK") == 0u);
}

BOOST_AUTO_TEST_CASE(a_large_body_sent_at_once_is_read_whole_and_leaves_no_large_buffer) {
  BodyFixture f(60s);
  const std::string body = pattern(kMiB + 17, 3);
  f.send(put_head("/k", body.size()) + body);
  BOOST_TEST(f.read_until(summary("/k", body)).find("HTTP/1.1 200 OK") == 0u);
  BOOST_TEST(f.held_buffer_bytes() <= 2 * coord::http::kKeptBufferBytes);
}

BOOST_AUTO_TEST_CASE(a_large_body_that_stops_short_is_cut_off_at_the_read_timeout) {
  BodyFixture f(1s);
  f.send(put_head("/k", kMiB) + pattern(300 * 1024, 0));
  BOOST_TEST(f.closed_within(10s));
}

BOOST_AUTO_TEST_CASE(a_request_pipelined_right_after_a_large_body_and_one_sent_later_are_answered) {
  BodyFixture f(60s);
  const std::string body = pattern(kMiB, 5);
  f.send(put_head("/k", body.size()) + body + get("/next"));
  const std::string got = f.read_until("HTTP/1.1 200 OK", 2);
  const auto first = got.find(summary("/k", body)), second = got.find(summary("/next", ""));
  BOOST_REQUIRE(second != std::string::npos);
  BOOST_TEST(first < second);
  // A small request sent on its own afterwards: the session waits for any byte again.
  f.send(get("/later"));
  BOOST_TEST(f.read_until(summary("/later", "")).find("HTTP/1.1 200 OK") == 0u);
}

BOOST_AUTO_TEST_CASE(a_large_body_after_100_continue_is_read_whole) {
  BodyFixture f(60s);
  const std::string body = pattern(512 * 1024, 9);
  f.send("PUT /k HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n");
  BOOST_TEST(f.read_until("HTTP/1.1 100 Continue\r\n\r\n").find("HTTP/1.1 100 Continue") == 0u);
  f.send(body);
  BOOST_TEST(f.read_until(summary("/k", body)).find("HTTP/1.1 200 OK") == 0u);
}

BOOST_AUTO_TEST_CASE(a_body_declared_over_the_limit_is_refused_before_it_is_read) {
  BodyFixture f(60s, kMiB);
  f.send(put_head("/k", kMiB + 1));
  const std::string got = f.read_answer();
  BOOST_TEST(got.find("HTTP/1.1 413 Request Entity Too Large") == 0u);
  BOOST_TEST(got.find("Connection: close") != std::string::npos);
  BOOST_TEST(f.closed_within(10s));
}

BOOST_AUTO_TEST_CASE(a_body_just_within_the_limit_is_read_whole) {
  BodyFixture f(60s, kMiB);
  const std::string body = pattern(kMiB, 2);
  f.send(put_head("/k", body.size()) + body);
  BOOST_TEST(f.read_until(summary("/k", body)).find("HTTP/1.1 200 OK") == 0u);
}

BOOST_AUTO_TEST_CASE(a_large_answer_reaches_a_client_that_reads_slowly_and_the_next_one_too) {
  // A small receive buffer: the answer cannot go out at once, the rest is written while the
  // client is still asleep.
  BodyFixture f(60s, 2 * kMiB, 8 * 1024);
  const std::size_t size = 3 * kMiB;
  f.send(get("/big/" + std::to_string(size)));
  std::this_thread::sleep_for(100ms);  // pacing the client: the server's first write fills the buffers
  const std::string got = f.read_answer();
  const auto body_at = got.find("\r\n\r\n");
  BOOST_REQUIRE(body_at != std::string::npos);
  BOOST_TEST(got.find("Content-Length: " + std::to_string(size) + "\r\n") != std::string::npos);
  BOOST_TEST((got.substr(body_at + 4) == pattern(size, 1)));
  // Small and large answers again on the same connection; the large body is not kept.
  f.send(get("/small"));
  BOOST_TEST(f.read_until(summary("/small", "")).find("HTTP/1.1 200 OK") == 0u);
  f.send(get("/big/70000"));
  const std::string again = f.read_answer();
  BOOST_TEST(again.size() > 70000u);
  BOOST_TEST((again.substr(again.size() - 70000) == pattern(70000, 1)));
  BOOST_TEST(f.held_buffer_bytes() <= 2 * coord::http::kKeptBufferBytes);
}

BOOST_AUTO_TEST_SUITE_END()
