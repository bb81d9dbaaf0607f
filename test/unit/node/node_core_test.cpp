// NodeCore driven by hand, one round at a time on a manual clock: what only a crash at an exact
// point shows (before the first round).
#include "server/node/node_core.hpp"

#include <boost/test/unit_test.hpp>

#include "server/common/file_mem.hpp"

namespace coord::node {
namespace {

struct NoSignals final : NodeCore::Signals {
  void snapshot_written() override {}
  void notify() override {}
};

NodeOptions one_member(std::uint64_t id) {
  NodeOptions o;
  o.member_id = id;
  o.cluster_id = 0x77;
  o.data_dir = "/data";
  o.initial_members = {MemberSpec{id, "default", {"http://127.0.0.1:2"}}};
  o.tick_interval = std::chrono::milliseconds(10);
  o.wal_segment_bytes = 64 << 10;
  return o;
}

// Rounds, a tick apart, until the member is ready (leader known, attributes published); false
// after `rounds`.
bool run_until_ready(NodeCore& core, ManualClock& clock, int rounds) {
  for (int i = 0; i < rounds && !core.ready(); ++i) {
    NodeCore::Inbox in;
    BOOST_REQUIRE(core.run_round(in));
    clock.advance(std::chrono::milliseconds(10));
  }
  return core.ready();
}

BOOST_AUTO_TEST_SUITE(node_core)

// Fault: the member crashes after creating its WAL and before its first round made the bootstrap
// entries durable. What must hold: on restart it bootstraps as a new member (it promised nothing)
// and serves, instead of waiting forever as a member of no configuration.
BOOST_AUTO_TEST_CASE(a_crash_before_the_bootstrap_is_durable_restarts_as_new) {
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  {
    NodeCore core(one_member(1), fs, clock, signals);
    BOOST_REQUIRE(core.open(nullptr).is_ok());
    fs.drop_unsynced();  // no round ran: the WAL exists, the bootstrap entries are gone
  }
  BOOST_TEST(fs.exists("/data/member/wal"));
  NodeCore core(one_member(1), fs, clock, signals);
  BOOST_REQUIRE(core.open(nullptr).is_ok());
  BOOST_TEST(run_until_ready(core, clock, 50));
  BOOST_TEST(core.is_leader());
  BOOST_TEST(core.members().size() == 1u);
}

// A restarted single member (no snapshot yet) learns that it is the only voter when it applies
// its bootstrap entries again in its first round. What must hold: it leads at once, well within
// one election timeout (election_ticks rounds), as a new single member does.
BOOST_AUTO_TEST_CASE(a_restarted_single_member_leads_without_waiting_an_election_timeout) {
  MemFileSystem fs;
  ManualClock clock;
  NoSignals signals;
  const NodeOptions options = one_member(1);
  {
    NodeCore core(options, fs, clock, signals);
    BOOST_REQUIRE(core.open(nullptr).is_ok());
    BOOST_REQUIRE(run_until_ready(core, clock, 50));
  }
  NodeCore core(options, fs, clock, signals);
  BOOST_REQUIRE(core.open(nullptr).is_ok());
  BOOST_TEST(run_until_ready(core, clock, options.election_ticks / 2));
  BOOST_TEST(core.is_leader());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace coord::node
