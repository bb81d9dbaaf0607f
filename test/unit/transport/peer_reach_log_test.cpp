// Which reachability line a peer link logs, over a timeline of attempts: each change once, and
// a peer that stays unreachable (or was never reached) again only once per repeat period.
#include "server/transport/peer_reach_log.hpp"

#include <boost/test/unit_test.hpp>

using namespace coord::transport;
using namespace std::chrono_literals;
using Line = PeerReachLog::Line;

namespace {
const PeerReachLog::Clock::time_point kStart{};  // the link's start
constexpr auto kRepeat = 30s;
}  // namespace

BOOST_AUTO_TEST_SUITE(peer_reach_log)

BOOST_AUTO_TEST_CASE(a_peer_never_reached__not_active_yet_once_per_repeat_period_from_the_start) {
  PeerReachLog log(kRepeat, kStart);
  BOOST_TEST((log.on_attempt(false, kStart + 50ms).line == Line::kNone));  // a member starting: its peers come up soon
  BOOST_TEST((log.on_attempt(false, kStart + 29s).line == Line::kNone));
  const auto first = log.on_attempt(false, kStart + 30s);
  BOOST_TEST((first.line == Line::kNotActiveYet));
  BOOST_TEST((first.since_last_report == 30s));
  BOOST_TEST((log.on_attempt(false, kStart + 31s).line == Line::kNone));
  BOOST_TEST((log.on_attempt(false, kStart + 59s).line == Line::kNone));
  const auto second = log.on_attempt(false, kStart + 61s);
  BOOST_TEST((second.line == Line::kNotActiveYet));  // never reached: not "still inactive"
  BOOST_TEST((second.since_last_report == 31s));
}

BOOST_AUTO_TEST_CASE(each_change_once__then_still_inactive_at_most_once_per_repeat_period) {
  PeerReachLog log(kRepeat, kStart);
  BOOST_TEST((log.on_attempt(true, kStart + 1s).line == Line::kBecameActive));
  BOOST_TEST((log.on_attempt(true, kStart + 2s).line == Line::kNone));
  BOOST_TEST((log.on_attempt(false, kStart + 100s).line == Line::kBecameInactive));  // at once, however long it was up
  for (auto t = 101s; t < 130s; t += 1s) BOOST_TEST((log.on_attempt(false, kStart + t).line == Line::kNone));
  const auto repeat = log.on_attempt(false, kStart + 130s);
  BOOST_TEST((repeat.line == Line::kStillInactive));
  BOOST_TEST((repeat.since_last_report == 30s));
  BOOST_TEST((log.on_attempt(false, kStart + 131s).line == Line::kNone));
  BOOST_TEST((log.on_attempt(true, kStart + 132s).line == Line::kBecameActive));  // back: at once
  BOOST_TEST((log.on_attempt(false, kStart + 133s).line == Line::kBecameInactive));  // down again: at once too
}

BOOST_AUTO_TEST_SUITE_END()
