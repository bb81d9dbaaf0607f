// How a plain Session reads requests between answers: it reads at once and, when nothing came,
// waits for the socket to become readable and reads again, then parses what came
// (Session::read_or_wait, parse_buffered), so these cases pin what that must keep: heads and
// bodies split across reads, pipelined requests, the idle timeout of a keep-alive connection (a
// lazily re-armed timer), the deadline of a request that stops half way, a bounded stack
// when every read at once finds the next request, and the buffers a waiting session gives back
// (kIdleRelease) without changing what it answers or when it times out.
#include "server/http/session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "test/support/http/session_under_test.hpp"
#include "test/support/process/eventually.hpp"

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

// Answers like TargetEcho, but first runs `before_answer` (the test sends the client's next
// request there) and records how many route() calls were on the stack at once. Runs on the io
// thread, so no Boost.Test assertion may run in it (they are not thread-safe).
class NestingProbe : public coord::http::RequestHandler {
 public:
  std::function<void()> before_answer;
  int depth = 0;      // io thread only
  int max_depth = 0;  // read after the io thread is joined
  std::atomic<int> answered{0};

  void route(HttpRequest request, std::shared_ptr<Session> session) override {
    max_depth = std::max(max_depth, ++depth);
    if (before_answer) before_answer();
    session->reply(Reply{200, coord::http::kText, std::string(request.target()), {}});
    --depth;
    answered.fetch_add(1, std::memory_order_release);
  }
};

std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

TargetEcho echo;  // stateless: one serves every fixture

SessionLimits with_read_timeout(std::chrono::seconds read_timeout) {
  SessionLimits limits;
  limits.read_timeout = read_timeout;
  return limits;
}

// The session under test, answering with `handler` (TargetEcho by default).
class SessionFixture : public coord::test::SessionUnderTest {
 public:
  explicit SessionFixture(std::chrono::seconds read_timeout, coord::http::RequestHandler* handler = nullptr)
      : SessionUnderTest(handler ? *handler : echo, with_read_timeout(read_timeout)) {}

  // Sends requests until the session keeps its buffers while it waits for the next one (the
  // client came back within kIdleRelease: on a loaded machine that may take more than one try).
  bool come_back_until_kept() {
    for (int i = 0; i < 20; ++i) {
      const std::string target = "/busy" + std::to_string(i);
      send(get(target));
      BOOST_REQUIRE(read_until(target, 1).find("HTTP/1.1 200 OK") == 0u);
      if (held_buffer_bytes() > 0) return true;
    }
    return false;
  }
};

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

BOOST_AUTO_TEST_CASE(every_read_at_once_finding_the_next_request_nests_a_bounded_depth) {
  // Each answer is written at once and the session reads again from inside the same call chain.
  // Here the client's next request is always there by then (sent from route(), before the
  // answer; loopback delivers it before send() returns), so every read at once finds one and
  // nests one level deeper: the session must return to the scheduler before the stack grows
  // with the number of requests. 200 requests, all answered in order, at most 9 levels.
  constexpr int kRequests = 200;
  NestingProbe probe;
  SessionFixture f(60s, &probe);
  // Fixed-width targets: no target is a prefix of another.
  const auto target = [](int i) { return "/n" + std::to_string(1000 + i); };
  int sent = 1;               // io thread only until stop()
  bool every_send_went = true;  // likewise
  probe.before_answer = [&] {
    if (sent < kRequests) every_send_went = f.send_from_io_thread(get(target(sent++))) && every_send_went;
  };
  f.send(get(target(0)));
  // The connection is the io thread's until every answer is out (the 200 answers, ~18 KB, wait
  // in the client's receive buffer).
  BOOST_TEST(coord::test::eventually([&] { return probe.answered.load(std::memory_order_acquire) == kRequests; },
                                     20s));
  const std::string got = f.read_until("HTTP/1.1 200 OK", kRequests);
  f.stop();
  BOOST_TEST(sent == kRequests);
  BOOST_TEST(every_send_went);
  std::size_t at = 0;
  for (int i = 0; i < kRequests; ++i) {
    at = got.find("\r\n\r\n" + target(i), at);  // each answer's body is its target
    if (at == std::string::npos) break;
  }
  BOOST_TEST(at != std::string::npos);
  BOOST_TEST(probe.max_depth > 1);  // the reads at once did find the next request
  BOOST_TEST(probe.max_depth <= 9);
}

// The first answer says nothing of the client's pace: the wait after it holds no buffers. A
// client that came back at once keeps them for its next wait (no allocation per request),
// until it has waited kIdleRelease.
BOOST_AUTO_TEST_CASE(a_client_that_comes_back_at_once_keeps_its_buffers_until_it_pauses) {
  SessionFixture f(60s);
  f.send(get("/1"));
  BOOST_TEST(f.read_until("/1").find("HTTP/1.1 200 OK") == 0u);
  BOOST_TEST(f.held_buffer_bytes() == 0u);
  BOOST_TEST(f.come_back_until_kept());
  BOOST_TEST(coord::test::eventually([&] { return f.held_buffer_bytes() == 0; }, 5s));
}

BOOST_AUTO_TEST_CASE(a_session_that_gave_its_buffers_back_answers_pipelined_and_split_requests) {
  SessionFixture f(60s);
  BOOST_REQUIRE(f.come_back_until_kept());
  BOOST_TEST(coord::test::eventually([&] { return f.held_buffer_bytes() == 0; }, 5s));
  f.send(get("/three") + get("/four") + "PUT /five HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
  const std::string got = f.read_until("HTTP/1.1 200 OK", 3);
  const auto three = got.find("/three"), four = got.find("/four"), five = got.find("/five=body");
  BOOST_REQUIRE(five != std::string::npos);
  BOOST_TEST((three < four && four < five));
  // The pause before them was longer than kIdleRelease: this wait holds nothing from the start.
  BOOST_TEST(f.held_buffer_bytes() == 0u);
  f.send("GET /six HTTP/1.1\r\nHo");
  std::this_thread::sleep_for(50ms);  // pacing the client: the session must read twice
  f.send("st: x\r\n\r\n");
  BOOST_TEST(f.read_until("/six").find("HTTP/1.1 200 OK") == 0u);
}

BOOST_AUTO_TEST_CASE(a_connection_that_gave_its_buffers_back_is_still_closed_at_the_read_timeout) {
  // kIdleRelease (500 ms) comes well before the 2 s timeout: the timer that released the
  // buffers still closes the connection.
  SessionFixture f(2s);
  BOOST_REQUIRE(f.come_back_until_kept());
  BOOST_TEST(coord::test::eventually([&] { return f.held_buffer_bytes() == 0; }, 5s));
  BOOST_TEST(f.closed_within(10s));
}

BOOST_AUTO_TEST_SUITE_END()
