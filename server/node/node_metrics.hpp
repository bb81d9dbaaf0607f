// NodeMetrics: counters of raft-loop events for etcd's etcd_server_* families, bumped where the
// events happen (server/node/node.cpp), and the WAL's and snapshots' figures (etcd_disk_wal_*,
// etcd_snap_*), read by /metrics. Relaxed atomics: the loop pays one uncontended increment per
// event, a scrape may see them a moment apart. Safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "server/common/duration_histogram.hpp"

namespace coord::node {

struct NodeMetrics {
  // etcd's warning threshold for applying: a batch of committed entries that took longer counts
  // once in slow_applies (etcd times each request; coordd applies entries in batches).
  static constexpr std::chrono::milliseconds kSlowApply{100};

  std::atomic<std::uint64_t> slow_applies{0};          // etcd_server_slow_apply_total
  std::atomic<std::uint64_t> read_indexes_failed{0};   // Raft refused a ReadIndex (no leader known)
  std::atomic<std::uint64_t> slow_read_indexes{0};     // linearizable reads that timed out waiting
  std::atomic<std::uint64_t> snapshot_applying{0};     // 1 while an incoming snapshot is applied
  std::atomic<std::uint64_t> wal_written_bytes{0};     // record bytes the WAL wrote (wal::WalOptions)
  // Snapshot saves (snap::SaveTimings), in etcd's buckets: 1 ms to 8.192 s.
  DurationHistogram snap_marshalling{DurationHistogram::exponential_bounds(0.001, 2, 14)};
  DurationHistogram snap_fsync{DurationHistogram::exponential_bounds(0.001, 2, 14)};
  DurationHistogram snap_save_total{DurationHistogram::exponential_bounds(0.001, 2, 14)};

  static void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
};

}  // namespace coord::node
