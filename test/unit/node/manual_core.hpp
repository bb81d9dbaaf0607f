// A NodeCore driven by hand on a ManualClock, for the node tests: a single member's options, rounds
// until it is ready, and a PUT through it one round at a time.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/common/clock.hpp"
#include "server/node/node_core.hpp"

namespace coord::node::test_core {

struct NoSignals final : NodeCore::Signals {
  void snapshot_written() override {}
  void notify() override {}
};

inline NodeOptions one_member(std::uint64_t id) {
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
inline bool run_until_ready(NodeCore& core, ManualClock& clock, int rounds) {
  for (int i = 0; i < rounds && !core.ready(); ++i) {
    NodeCore::Inbox in;
    BOOST_REQUIRE(core.run_round(in));
    clock.advance(std::chrono::milliseconds(10));
  }
  return core.ready();
}

// Puts `value` at `key` through `core` (a single member that leads), a round at a time; the
// write's answer, or nullopt when it is not answered within `rounds`.
inline std::optional<WriteResult> put(NodeCore& core, ManualClock& clock, const std::string& key,
                                      const std::string& value, int rounds = 20) {
  std::optional<WriteResult> answer;
  NodeCore::Inbox in;
  apply::Request r;
  r.method = apply::Method::kPut;
  r.path = key;
  r.value = value;
  r.time = clock.now();
  in.proposals.emplace_back(std::move(r), [&](WriteResult w) { answer = std::move(w); });
  for (int i = 0; i < rounds && !answer; ++i) {
    BOOST_REQUIRE(core.run_round(in));
    in = {};
    clock.advance(std::chrono::milliseconds(10));
  }
  return answer;
}

// Puts every (key, value) of `writes` through `core` with one inbox, so the first round proposes
// them together and one Ready commits and applies them all; true once every write is answered
// within `rounds`.
inline bool put_together(NodeCore& core, ManualClock& clock,
                         const std::vector<std::pair<std::string, std::string>>& writes, int rounds = 20) {
  std::size_t answered = 0;
  NodeCore::Inbox in;
  for (const auto& [key, value] : writes) {
    apply::Request r;
    r.method = apply::Method::kPut;
    r.path = key;
    r.value = value;
    r.time = clock.now();
    in.proposals.emplace_back(std::move(r), [&](WriteResult w) { answered += w.response.ok() ? 1 : 0; });
  }
  for (int i = 0; i < rounds && answered < writes.size(); ++i) {
    BOOST_REQUIRE(core.run_round(in));
    in = {};
    clock.advance(std::chrono::milliseconds(10));
  }
  return answered == writes.size();
}

}  // namespace coord::node::test_core
