// The prober: the answer a member gives to GET /raft/probing, reading a peer's answer (etcd's
// form, and hostile ones), the clock drift taken from a probe, and a PeerProber against fake
// peers (one whose clock is ahead, one that answers with too much).
#include "server/transport/peer_prober.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test/support/net/answering_server.hpp"
#include "test/support/process/eventually.hpp"

using namespace coord;
using namespace coord::transport;
using namespace std::chrono_literals;

namespace net = boost::asio;

namespace {
// 2026-12-06T16:21:00Z
constexpr UnixNanos kT = 1796574060LL * kNanosPerSecond;

using FakePeer = coord::test::AnsweringServer;

std::string http_answer(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// Runs a PeerProber against `url` on its own io thread; collects what it reports.
struct ProberRun {
  explicit ProberRun(const std::string& url, PeerProber::Timing timing = {})
      : prober(std::make_shared<PeerProber>(ioc, 0xabc, std::vector<std::string>{url}, nullptr, clock,
                                            [this](const std::string& line) {
                                              std::lock_guard lock(mu);
                                              lines.push_back(line);
                                            },
                                            timing)) {
    prober->start();
    thread = std::thread([this] { ioc.run(); });
  }
  ~ProberRun() {
    prober->stop();
    work.reset();
    thread.join();
  }
  std::vector<std::string> reported() {
    std::lock_guard lock(mu);
    return lines;
  }

  SystemClock clock;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::mutex mu;
  std::vector<std::string> lines;
  std::shared_ptr<PeerProber> prober;
  std::thread thread;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_prober)

BOOST_AUTO_TEST_CASE(probe_answer__is_etcds_form_and_reads_back_to_the_nanosecond) {
  const std::string body = probe_answer(kT + 123456789);
  BOOST_TEST(body == "{\"OK\":true,\"Now\":\"2026-12-06T16:21:00.123456789Z\"}\n");
  BOOST_TEST(parse_probe_answer(body).value_or(0) == kT + 123456789);
}

BOOST_AUTO_TEST_CASE(parse_probe_answer__takes_go_times_with_an_offset_or_no_fraction) {
  // Go writes the member's local zone: the same instant two hours east.
  BOOST_TEST(parse_probe_answer(R"({"OK":true,"Now":"2026-12-06T18:21:00.5+02:00"})").value_or(0) == kT + 500000000);
  BOOST_TEST(parse_probe_answer(R"({"OK":true,"Now":"2026-12-06T11:51:00-04:30"})").value_or(0) == kT);
  BOOST_TEST(parse_probe_answer(R"({"Now":"2026-12-06T16:21:00Z","OK":true})").value_or(0) == kT);
}

BOOST_AUTO_TEST_CASE(parse_probe_answer__refuses_anything_else) {
  for (const char* bad : {"", "{}", "not json", R"({"OK":false,"Now":"2026-12-06T16:21:00Z"})",
                          R"({"OK":"true","Now":"2026-12-06T16:21:00Z"})", R"({"OK":true})",
                          R"({"OK":true,"Now":12})", R"({"OK":true,"Now":"2026-12-06 16:21:00Z"})",
                          R"({"OK":true,"Now":"2026-13-06T16:21:00Z"})", R"({"OK":true,"Now":"2026-12-06T16:21:00"})",
                          R"({"OK":true,"Now":"2026-12-06T16:21:00.Z"})",
                          R"({"OK":true,"Now":"2026-12-06T16:21:00.1234567891Z"})",
                          R"({"OK":true,"Now":"2026-12-06T16:21:00+2:00"})", R"({"OK":true,"Now":"2026-12-06T16:21:00Zjunk"})",
                          R"({"OK":true,"Now":"2026"})", R"([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[)"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!parse_probe_answer(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(clock_drift__compares_the_peer_time_with_ours_at_the_middle_of_the_round_trip) {
  // Sent at kT, answered 10 ms later: the peer read its clock at kT + 5 ms by our reckoning.
  BOOST_TEST(clock_drift(kT, 10ms, kT + 5'000'000).count() == 0);
  BOOST_TEST(clock_drift(kT, 10ms, kT + 2 * kNanosPerSecond).count() == 2 * kNanosPerSecond - 5'000'000);
  BOOST_TEST(clock_drift(kT, 10ms, kT - kNanosPerSecond).count() == -kNanosPerSecond - 5'000'000);
}

// A peer whose clock runs 5 s ahead: the first probe's round trip is recorded and the drift
// reported once, with its size and direction.
BOOST_AUTO_TEST_CASE(prober__records_the_round_trip_and_reports_a_peer_clock_5_s_ahead) {
  FakePeer peer([] { return http_answer(probe_answer(SystemClock().now() + 5 * kNanosPerSecond)); });
  ProberRun run(peer.url());
  BOOST_REQUIRE(coord::test::eventually([&] { return !run.reported().empty(); }, 5s));
  const auto lines = run.reported();
  BOOST_TEST(lines.size() == 1u);
  BOOST_TEST(lines.front().find("peer abc: its clock is 5.0") == 0u);
  BOOST_TEST(lines.front().find("ahead of ours") != std::string::npos);
  BOOST_TEST(run.prober->round_trips().count == 1u);
}

// Fault: a peer answers with a body past the prober's 4 KiB limit, then with garbage. What must
// hold: neither answer counts as a round trip; each is reported once as a failed health check
// (and nothing about clocks).
BOOST_AUTO_TEST_CASE(prober__counts_no_round_trip_for_oversized_and_malformed_answers) {
  FakePeer big([] { return http_answer(std::string(8192, '{')); });
  ProberRun run(big.url());
  BOOST_REQUIRE(coord::test::eventually([&] { return big.served() >= 1 && !run.reported().empty(); }, 5s));
  BOOST_TEST(run.prober->round_trips().count == 0u);
  BOOST_TEST(run.reported() == std::vector<std::string>{"peer abc: health check failed (no answer: body limit exceeded)"});

  FakePeer garbage([] { return std::string("NOT HTTP AT ALL\r\n\r\n"); });
  ProberRun run2(garbage.url());
  BOOST_REQUIRE(coord::test::eventually([&] { return garbage.served() >= 1 && !run2.reported().empty(); }, 5s));
  BOOST_TEST(run2.prober->round_trips().count == 0u);
  const auto lines = run2.reported();
  BOOST_TEST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines.front().find("peer abc: health check failed (no answer: ") == 0u, lines.front());
}

// Fault: nothing listens at the peer's URL. What must hold: a warning says the health check
// failed and why.
BOOST_AUTO_TEST_CASE(prober__reports_a_peer_it_cannot_reach_and_why) {
  std::string url;
  {
    FakePeer closed([] { return std::string(); });
    url = closed.url();
  }  // its port is free again: connections are refused
  ProberRun run(url);
  BOOST_REQUIRE(coord::test::eventually([&] { return !run.reported().empty(); }, 5s));
  const auto lines = run.reported();
  BOOST_TEST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines.front() == "peer abc: health check failed (could not connect: Connection refused)");
}

// Fault: a peer answers every probe with garbage; it is probed every 20 ms with a repeat limit of
// 300 ms. What must hold: it is warned of when it starts failing and then again only once the
// limit has passed since the last warning: over 30 failed probes (at least 580 ms), at least 2
// warnings and no more than one per 300 ms elapsed, plus the first.
BOOST_AUTO_TEST_CASE(prober__warns_of_a_failing_peer_again_only_after_the_repeat_limit) {
  FakePeer garbage([] { return std::string("NOT HTTP AT ALL\r\n\r\n"); });
  const auto start = std::chrono::steady_clock::now();
  ProberRun run(garbage.url(), {.interval = 20ms, .failing_repeat = 300ms});
  BOOST_REQUIRE(coord::test::eventually([&] { return garbage.served() >= 30; }, 20s, 10ms));
  const auto lines = run.reported();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(lines.size() >= 2u);
  BOOST_TEST(lines.size() <= static_cast<std::size_t>(elapsed / 300ms) + 1, lines.size() << " warnings in "
                                                                                       << elapsed / 1ms << " ms");
  for (const auto& line : lines) BOOST_TEST(line.find("peer abc: health check failed (no answer: ") == 0u, line);
}

// A peer whose answers take 150 ms against a limit of 50 ms: the rise is reported once with the
// round trip; the round trips are still recorded.
BOOST_AUTO_TEST_CASE(prober__reports_a_round_trip_that_rose_past_its_limit_once) {
  FakePeer slow([] {
    std::this_thread::sleep_for(150ms);  // the peer's own delay: what is measured, not a wait for a condition
    return http_answer(probe_answer(SystemClock().now()));
  });
  ProberRun run(slow.url(), {.slow_round_trip = 50ms});
  BOOST_REQUIRE(coord::test::eventually([&] { return !run.reported().empty(); }, 5s));
  const auto lines = run.reported();
  BOOST_TEST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines.front().find("peer abc: round trip of its probe rose to 0.1") == 0u, lines.front());
  BOOST_TEST(lines.front().find("(over 0.050 s)") != std::string::npos, lines.front());
  BOOST_TEST(run.prober->round_trips().count == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
