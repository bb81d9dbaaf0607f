// NodeOptions: what a Node starts with, derived from the server's flags (server/config). A plain
// value; read once by the Node constructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace coord::node {

struct MemberSpec {
  std::uint64_t id = 0;
  std::string name;
  std::vector<std::string> peer_urls;
};

// How a round captures a local snapshot (server/node/durable_log.hpp, DurableLog::capture_snapshot).
enum class SnapshotCapture {
  // The round serializes the store itself; the writer thread writes the file. Works with any
  // FileSystem: the deterministic simulation and unit tests run over an in-memory one, where a
  // forked child's writes would be lost with the child.
  kInline,
  // The round fork()s; the child serializes and writes (server/node/forked_save.hpp). Needs the
  // real file system. coordd's choice.
  kForked,
};

struct NodeOptions {
  std::uint64_t member_id = 0;
  std::uint64_t cluster_id = 0;
  std::string name = "default";
  std::string data_dir;                        // WAL in <data_dir>/member/wal, snapshots in .../snap
  std::vector<std::string> client_urls;        // advertised; published into the members list
  std::vector<MemberSpec> initial_members;     // the initial cluster (self included)
  bool new_cluster = true;                     // --initial-cluster-state new
  // --force-new-cluster: on a restart (an existing WAL), come up as the only voter of the
  // cluster, keeping the committed data (server/node/standalone_restart.hpp). Ignored for a
  // data dir without a WAL, as in etcd.
  bool force_new_cluster = false;
  std::string cluster_token = "etcd-cluster";  // --initial-cluster-token (ids of added members)
  // --strict-reconfig-check: refuse a member add or remove that could cost the quorum (too few
  // started members, or peers not connected for long enough). false skips both, as in etcd.
  bool strict_reconfig_check = true;
  std::uint64_t snapshot_count = 10000;        // applied entries between snapshots
  // Bytes of entries applied since the last snapshot that start the next one before
  // snapshot_count entries: the log since the last snapshot is held in memory, and 10,000
  // entries of 1 MiB values would be 10 GB of it (etcd has no such bound).
  std::uint64_t snapshot_log_bytes = 256ull << 20;
  std::uint64_t snapshot_catch_up_entries = 5000;  // entries kept in memory after a snapshot
  std::uint64_t snapshot_catch_up_bytes = 64ull << 20;  // ... and at most this many bytes of them
  std::size_t max_snapshots = 5;
  SnapshotCapture snapshot_capture = SnapshotCapture::kInline;
  std::size_t max_wals = 5;
  std::uint64_t wal_segment_bytes = 64ull << 20;   // a WAL segment's preallocated size
  std::chrono::milliseconds tick_interval{100};    // --heartbeat-interval: one raft tick
  int election_ticks = 10;                         // --election-timeout / --heartbeat-interval
  std::chrono::milliseconds sync_interval{500};    // TTL expiry proposals while TTL keys exist
  std::chrono::milliseconds request_timeout{7000}; // etcd: 5 s + 2 x election timeout
  std::uint64_t seed = 0;                          // raft's election-timeout randomness
  bool log = true;                                 // false: the member logs nothing (simulations)
};

}  // namespace coord::node
