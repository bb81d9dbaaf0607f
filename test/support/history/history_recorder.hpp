// coord::test::history::V2Client and HistoryRecorder — the clients of a linearizability test
// and their recorded history. A V2Client runs v2 key operations (set, compare-and-swap, create,
// delete, quorum get) over raw HTTP through its home member (the next one when its home refuses
// the connection) and records each as an Operation of V2KeyModel; an answer that does not settle
// the outcome (no answer, a raft error) makes a write indeterminate. A HistoryRecorder runs a
// few V2Clients on their own threads against a ServerCluster while a test injects faults, waits
// for progress phase by phase, ends with a quorum get of every key through chosen members, and
// checks the whole history (linearizability.hpp), which also catches an acknowledged write that
// was lost.
//
// Thread-safety: a V2Client belongs to one thread. HistoryRecorder's methods are called from the
// test's thread only; its clients run on threads it owns and joins.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test/support/history/linearizability.hpp"
#include "test/support/history/v2_key_model.hpp"
#include "test/support/process/server_cluster.hpp"

namespace coord::test::history {

using V2Operation = Operation<V2KeyModel>;

class V2Client {
 public:
  V2Client(int id, const ServerCluster& cluster, int home, std::chrono::milliseconds timeout = std::chrono::seconds(3));

  // Random operations on `keys` (values unique per write) until `stop`; counts each settled
  // answer in `answered`.
  void run(const std::vector<std::string>& keys, const std::atomic<bool>& stop, std::atomic<long>& answered);
  // Runs one operation and records it; returns whether it got a settled answer.
  bool execute(const V2KeyModel::Input& in);
  const std::vector<V2Operation>& ops() const { return ops_; }

 private:
  int id_;
  const ServerCluster& cluster_;
  int home_;
  std::chrono::milliseconds timeout_;
  std::map<std::string, std::string> last_read_;  // the value a cas expects
  std::vector<V2Operation> ops_;
};

struct Verdict {
  bool linearizable = false;
  std::size_t operations = 0;
  std::size_t indeterminate = 0;
  std::size_t states_explored = 0;
  std::string explanation;  // what could not be explained, when not linearizable
};

class HistoryRecorder {
 public:
  // `clients` clients, client i at home on member i % size.
  HistoryRecorder(const ServerCluster& cluster, int clients, std::vector<std::string> keys);
  ~HistoryRecorder();  // stops the clients
  HistoryRecorder(const HistoryRecorder&) = delete;
  HistoryRecorder& operator=(const HistoryRecorder&) = delete;

  void start();
  // Waits until the clients got `n` more settled answers; false after `timeout`. `phase` names
  // the phase for stalled(): it is the last one that did not complete.
  bool progress(const std::string& phase, long n, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Holds a fault: returns once `at_least` passed and the clients got `n` more settled answers
  // (false when they did not within 30 s). The duration is the fault's length, chosen against
  // the election timeout, not a wait for something to happen.
  bool hold(const std::string& phase, std::chrono::milliseconds at_least, long n);
  long answered() const { return answered_.load(); }
  // The phase whose progress() failed, or "" when none did.
  const std::string& stalled_phase() const { return stalled_; }
  // Stops and joins the clients (idempotent).
  void stop();
  // Stops the clients, then a quorum get of every key through each of `members`, recorded as
  // the last operations of the history. Returns "" or which reads got no answer.
  std::string final_reads(const std::vector<int>& members);
  // Checks the recorded history.
  Verdict check() const;

 private:
  const ServerCluster& cluster_;
  std::vector<std::string> keys_;
  std::vector<std::unique_ptr<V2Client>> clients_;
  std::vector<V2Operation> final_reads_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<long> answered_{0};
  std::string stalled_;
};

// "phase P stalled after N answers", then the log tail of every member: what a failing scenario
// prints.
std::string stall_report(const HistoryRecorder& recorder, const ServerCluster& cluster);

}  // namespace coord::test::history
