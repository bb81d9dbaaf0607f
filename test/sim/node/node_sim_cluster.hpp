// NodeSimCluster: several real members (NodeCore, the body of coordd's raft loop, with its real
// DurableLog) over one in-memory file system each (MemFileSystem), a simulated network and one
// manual clock, driven by hand and checked after every event. The test chooses the events
// (test/sim/node_sim_test.cpp); this class carries them out and holds the checks:
//  * no acknowledged write lost: a member that has applied the index of an acknowledged write
//    shows that write, or a later one, under its key;
//  * identical stores: every member that has applied the same Raft index has the same store
//    (keys, their indexes, the etcd index, the member list), and every member's store emits the
//    same event at the same etcd index (a stream watch on "/" per member) — the one an
//    acknowledged write was answered with, where there was one;
//  * linearizable reads: a read released by the ReadIndex barrier sees every write acknowledged,
//    and every read completed, before it was asked;
//  * liveness at the end: once the faults are healed every live member applies every
//    acknowledged write.
// A failed check throws SimViolation. Single-threaded (each member's snapshot writer thread runs
// only while the driving thread waits for it, so every run of a seed is the same).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/common/clock.hpp"
#include "server/common/file_mem.hpp"
#include "server/node/node_core.hpp"

namespace coord::node::sim {

struct SimViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A failed check of what clients were promised: an acknowledged write lost, stores that differ at
// the same index, a stale read.
struct SafetyViolation : SimViolation {
  using SimViolation::SimViolation;
};

// What a crash does to the bytes written since the last sync. Not modelled: sectors that reach
// the disk out of order (MemFileSystem::drop_unsynced_scrambling). The WAL refuses, by design, a
// segment where a zeroed stretch is followed by a valid record, and cannot tell unsynced records
// (commit-only hard states) after the hole from synced ones, so such a member does not restart.
enum class CrashLoss {
  kUnsynced,  // every unsynced byte is lost
  kTornTail,  // a prefix of the unsynced bytes of each file survives
};

struct NodeSimOptions {
  int size = 3;                 // members at the start (ids 1..size)
  std::uint64_t seed = 1;
  int keys = 6;                 // the key space the clients write (/k0 ...)
  std::uint64_t snapshot_count = 40;
  // The negative control: every member's disk returns from fdatasync before the bytes are durable
  // (MemFileSystem::set_late_data_syncs).
  bool late_syncing_disk = false;
};

struct NodeSimStats {
  std::uint64_t acked_writes = 0, reads = 0, crashes = 0, conf_changes = 0, snapshots_sent = 0,
                delivered = 0, dropped = 0;
};

class NodeSimCluster {
 public:
  explicit NodeSimCluster(NodeSimOptions options);
  ~NodeSimCluster();
  NodeSimCluster(const NodeSimCluster&) = delete;
  NodeSimCluster& operator=(const NodeSimCluster&) = delete;

  // ---- members
  std::vector<std::uint64_t> ids() const;   // every member not removed
  bool alive(std::uint64_t id) const;
  std::uint64_t leader() const;              // a live member that believes it leads, or 0
  std::size_t configured_members() const;    // as the leader knows them (else as started)
  // Runs one round of `id` with whatever its inbox holds, then the checks.
  void run_round(std::uint64_t id);
  // Advances the clock and runs a round on every live member (their ticks fall due).
  void advance(std::chrono::milliseconds d);

  // ---- clients
  void put(std::uint64_t at, int key);   // a write of a fresh value
  void read(std::uint64_t at, int key);  // a ReadIndex read

  // ---- network: per-link FIFO queues
  // Delivers the oldest message of a link chosen by `rng` and runs the receiver's round; false
  // when nothing is in flight.
  bool deliver_one(std::mt19937_64& rng);
  void cut(std::uint64_t from, std::uint64_t to) { cut_.insert({from, to}); }
  void isolate(std::uint64_t id);
  // Cuts every link between the two sides, both ways.
  void partition(const std::vector<std::uint64_t>& side_a, const std::vector<std::uint64_t>& side_b);
  void heal() { cut_.clear(); }
  void set_drop_rate(double p) { drop_rate_ = p; }

  // ---- faults
  // Kills the member: its process state goes, its disk keeps what was synced (and, with
  // kTornTail, part of what was not).
  void crash(std::uint64_t id, CrashLoss loss);
  void restart(std::uint64_t id);
  // Membership changes proposed at `at`; the added member starts empty once the change applies,
  // the removed one stops once the change applies.
  void add_member(std::uint64_t at);
  void remove_member(std::uint64_t at, std::uint64_t id);
  bool conf_change_pending() const { return conf_change_pending_; }

  // Heals the network, restarts every crashed member and runs until every live member has applied
  // every acknowledged write (bounded: a SimViolation when it does not happen).
  void converge();

  const NodeSimStats& stats() const { return stats_; }

 private:
  struct Member;
  // The store as the checks compare it: each key's value and modified index, the etcd index, the
  // member ids.
  struct StoreView {
    std::vector<std::pair<std::string, std::uint64_t>> keys;
    std::uint64_t etcd_index = 0;
    std::vector<std::uint64_t> members;
    friend bool operator==(const StoreView&, const StoreView&) = default;
  };
  struct AckedWrite {
    std::string value;
    std::uint64_t modified_index;
  };

  Member& member(std::uint64_t id);
  void start(Member& m);
  void send(std::uint64_t from, std::vector<raft::Message> messages);
  void after_round(Member& m);
  // The checks of one member's store at its applied index; returns the applied index.
  std::uint64_t check_store(Member& m);
  // Records the first failed check (thrown after the round that found it).
  void fail_check(const std::string& what, bool safety);
  // A store event a member emitted (inside its round, under its store lock: records only).
  void on_event(std::uint64_t member, const store::Event& e);
  std::uint64_t max_acked_index() const;

  const NodeSimOptions options_;
  ManualClock clock_;
  std::mt19937_64 rng_;
  std::map<std::uint64_t, std::unique_ptr<Member>> members_;
  std::set<std::uint64_t> removed_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::deque<raft::Message>> links_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> cut_;
  double drop_rate_ = 0;
  std::uint64_t next_value_ = 0;
  std::uint64_t next_url_ = 0;
  bool conf_change_pending_ = false;     // one membership change at a time
  std::uint64_t conf_change_at_ = 0;      // the member waiting for its answer
  std::vector<store::Member> joins_;        // added by an applied change: started after the round
  std::vector<std::uint64_t> removals_;     // removed by an applied change: stop them after the round
  // Checks' memory.
  std::map<std::uint64_t, StoreView> view_at_;                 // applied index -> the store there
  std::map<int, std::map<std::uint64_t, AckedWrite>> acked_;   // key -> raft index -> the write
  std::map<std::uint64_t, std::string> event_at_;   // etcd index -> the event first seen there
  std::map<std::uint64_t, std::string> acked_event_;  // etcd index -> the event a writer was answered with
  std::uint64_t acked_floor_ = 0;   // the highest raft index of an acknowledged write
  std::uint64_t read_floor_ = 0;    // the highest applied index a completed read saw
  std::string violation_;           // the first check that failed inside a round
  bool violation_is_safety_ = false;
  NodeSimStats stats_;
};

}  // namespace coord::node::sim
