// What the fault scenarios share (test/fault/*_test.cpp): a coordd cluster whose members talk to
// each other through per-link relays (ServerCluster with peer_relays), short raft timers so the
// cases are about logic rather than waiting, the recorded clients (history_recorder.hpp), and
// the end of every scenario: the cluster made progress in each phase, every member that should
// be up answers a quorum get of every key, and the whole history is linearizable (which also
// fails on an acknowledged write that was lost).
//
// Thread-safety: used from the test's thread only.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "test/support/history/history_recorder.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/server_cluster.hpp"

namespace coord::test::fault {

using namespace std::chrono_literals;
using Cut = LinkRelays::CutMode;

inline const std::vector<std::string> kKeys = {"fault/a", "fault/b", "fault/c"};

// COORD_FAULT_FULL=1 runs the scenarios left out of the CI subset.
inline bool full_run() {
  const char* v = std::getenv("COORD_FAULT_FULL");
  return v != nullptr && std::string(v) == "1";
}

inline ClusterOptions fault_options() {
  ClusterOptions o;
  o.heartbeat_ms = 50;
  o.election_ms = 500;
  o.peer_relays = true;
  return o;
}

// Starts `size` coordd members behind relays; fails the test when they do not start.
class FaultCluster {
 public:
  explicit FaultCluster(int size, ClusterOptions options = fault_options()) : cluster(check_binary(), size, options) {
    BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  }

  LinkRelays& relays() { return cluster.relays(); }

  // The member among `candidates` that says it leads, once one does within `timeout`. A member
  // cut off from the others may still call itself leader for a while: ask only the ones that
  // can form a quorum.
  std::optional<int> leader_among(const std::vector<int>& candidates, std::chrono::milliseconds timeout = 20s) {
    std::optional<int> found;
    eventually([&] {
      for (int i : candidates) {
        if (!cluster.running(i)) continue;
        auto reply = http_get(cluster.probe_url(i) + "/v2/stats/self", 300ms);
        if (reply && reply->status == 200 && reply->body.find("\"state\":\"StateLeader\"") != std::string::npos) {
          found = i;
          return true;
        }
      }
      return false;
    }, timeout);
    return found;
  }

  std::vector<int> all_but(int excluded) const {
    std::vector<int> out;
    for (int i = 0; i < cluster.size(); ++i)
      if (i != excluded) out.push_back(i);
    return out;
  }

  std::vector<int> everyone() const { return all_but(-1); }

  ServerCluster cluster;

 private:
  static ServerKind check_binary() {
    std::string why;
    if (!server_binary(ServerKind::kCoordd, &why)) throw std::runtime_error("coordd not found: " + why);
    return ServerKind::kCoordd;
  }
};

// The end of a scenario: `ok` says every phase made progress (else the stall report fails the
// test); then quorum gets through `readers` and the linearizability check. Prints the counts.
inline void require_linearizable(history::HistoryRecorder& recorder, FaultCluster& f, bool ok,
                                 const std::vector<int>& readers) {
  recorder.stop();
  BOOST_REQUIRE_MESSAGE(ok, history::stall_report(recorder, f.cluster));
  const std::string missing = recorder.final_reads(readers);
  BOOST_TEST(missing.empty(), missing);
  const auto verdict = recorder.check();
  BOOST_TEST_MESSAGE("linearizability: " << verdict.operations << " operations (" << verdict.indeterminate
                                         << " indeterminate), " << verdict.states_explored << " states explored");
  BOOST_TEST(verdict.linearizable, verdict.explanation);
}

}  // namespace coord::test::fault
