// The prober's pure parts: the answer a member gives to GET /raft/probing, reading a peer's answer
// (etcd's form, and hostile ones), and the clock drift taken from a probe.
#include "server/transport/peer_prober.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace coord;
using namespace coord::transport;
using namespace std::chrono_literals;

namespace {
// 2026-12-06T16:21:00Z
constexpr UnixNanos kT = 1796574060LL * kNanosPerSecond;
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

BOOST_AUTO_TEST_SUITE_END()
