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

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "test/support/history/history_recorder.hpp"
#include "test/support/net/raw_connection.hpp"
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

// The frame most scenarios share: a FaultCluster with recorded clients (four by default) over
// kKeys running from the start, which made progress before the fault (`ok`), and the member that leads then.
// The scenario applies its fault, records its phases into `ok` (recorder.hold, .progress) and
// ends with heal_and_check().
class RecordedFault : public FaultCluster {
 public:
  explicit RecordedFault(int size, ClusterOptions options = fault_options(), int seconds_before_fault = 60,
                         int clients = 4)
      : FaultCluster(size, std::move(options)), recorder(cluster, clients, kKeys) {
    recorder.start();
    ok = recorder.progress("before the fault", seconds_before_fault);
    const auto found = leader_among(everyone());
    BOOST_REQUIRE_MESSAGE(found, "no leader before the fault");
    leader = *found;
  }

  // Heals every link, requires progress once more, then ends the scenario through `readers`
  // (require_linearizable).
  void heal_and_check(const std::vector<int>& readers) {
    relays().heal_all();
    ok = ok && recorder.progress("healed", 40);
    require_linearizable(recorder, *this, ok, readers);
  }
  void heal_and_check() { heal_and_check(everyone()); }

  history::HistoryRecorder recorder;
  bool ok = false;
  int leader = -1;
};

// An HTTP answer with the head kept: what http_probe's HttpReply leaves out (X-Etcd-Index).
struct FullReply {
  int status = 0;
  std::string head;
  std::string body;

  // A header's value ("" when absent); `name` as the server spells it.
  std::string header(const std::string& name) const {
    const auto at = head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    const auto start = at + 4 + name.size();
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

// `method` `path` on `base_url` with a JSON body (omitted when empty), the connection closed
// after the answer; nullopt when the member refuses the connection or closes it without one.
inline std::optional<FullReply> json_request(const std::string& base_url, const std::string& method,
                                             const std::string& path, const std::string& json = "",
                                             std::chrono::milliseconds timeout = 5s) {
  try {
    RawConnection c(base_url);
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!json.empty())
      request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) + "\r\n";
    request += "\r\n" + json;
    if (!c.send(request, timeout)) return std::nullopt;
    const std::string answer = c.read_all(timeout);
    const auto end_of_head = answer.find("\r\n\r\n");
    if (answer.rfind("HTTP/1.1 ", 0) != 0 || end_of_head == std::string::npos) return std::nullopt;
    return FullReply{std::atoi(answer.c_str() + 9), answer.substr(0, end_of_head + 2), answer.substr(end_of_head + 4)};
  } catch (const std::runtime_error&) {
    return std::nullopt;  // connection refused
  }
}

// The membership member i serves (GET /v2/members), members sorted by id, each as compact JSON
// (id, name, peer and client URLs); nullopt when it does not answer 200.
inline std::optional<std::vector<std::string>> membership(const ServerCluster& cluster, int i) {
  auto reply = http_get(cluster.probe_url(i) + "/v2/members", 2s);
  if (!reply || reply->status != 200) return std::nullopt;
  boost::system::error_code ec;
  auto doc = boost::json::parse(reply->body, ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("members")) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& m : doc.at("members").as_array()) out.push_back(boost::json::serialize(m));
  std::sort(out.begin(), out.end());
  return out;
}

// The ids of a membership() answer, sorted.
inline std::vector<std::string> ids_of(const std::vector<std::string>& members) {
  std::vector<std::string> ids;
  for (const auto& m : members) ids.push_back(std::string(boost::json::parse(m).at("id").as_string()));
  std::sort(ids.begin(), ids.end());
  return ids;
}

// True once every member in `members` serves the same membership, whose ids are `ids` (sorted),
// within `timeout`; a member that applied a change later than the others gets the time to.
inline bool same_membership_everywhere(const ServerCluster& cluster, const std::vector<int>& members,
                                       const std::vector<std::string>& ids, std::chrono::milliseconds timeout = 10s) {
  return eventually([&] {
    std::optional<std::vector<std::string>> first;
    for (int i : members) {
      auto m = membership(cluster, i);
      if (!m || ids_of(*m) != ids || (first && *m != *first)) return false;
      if (!first) first = std::move(m);
    }
    return true;
  }, timeout, 100ms);
}

// The fault keys as member i serves them to a quorum get of their directory (recursive, sorted):
// members with the same store at the same index answer the same bytes.
inline std::optional<std::string> quorum_listing(const ServerCluster& cluster, int i) {
  auto reply = http_get(cluster.probe_url(i) + "/v2/keys/fault?recursive=true&sorted=true&quorum=true", 5s);
  if (!reply) return std::nullopt;
  return std::to_string(reply->status) + " " + reply->body;
}

// Every member in `members` answers the same quorum_listing() (once the clients stopped).
inline void require_same_listing(const ServerCluster& cluster, const std::vector<int>& members) {
  const auto first = quorum_listing(cluster, members.front());
  BOOST_TEST_REQUIRE(first.has_value(), "member " << members.front() << " gave no listing");
  BOOST_TEST(first->rfind("200 ", 0) == 0u, *first);
  for (int i : members) {
    const auto listing = quorum_listing(cluster, i);
    BOOST_TEST((listing == first), "member " << i << " lists " << listing.value_or("nothing") << ", not " << *first);
  }
}

// True once member i's log (all of it: a member of a busy cluster logs every snapshot it
// records) holds `line`, a failpoint's report say, within `timeout`.
inline bool log_shows(const ServerCluster& cluster, int i, const std::string& line,
                      std::chrono::milliseconds timeout = 20s) {
  return eventually([&] { return cluster.log_tail(i, 1 << 20).find(line) != std::string::npos; }, timeout, 50ms);
}

}  // namespace coord::test::fault
