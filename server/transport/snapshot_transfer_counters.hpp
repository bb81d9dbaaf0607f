// SnapshotTransferCounters: the running counts behind one peer's etcd_network_snapshot_send_* or
// _receive_* families: transfers started, in flight, succeeded and failed, and a histogram of the
// successful ones' durations with etcd's buckets (0.1 s doubling to 51.2 s). Each transfer is
// begin() once, then finish() once (SnapshotTransfer does both for a transfer with one owner).
// Safe for concurrent use (relaxed atomics: a figures() taken while a transfer ends may see its
// count before its duration).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "server/common/duration_histogram.hpp"
#include "server/node/peer_activity.hpp"

namespace coord::transport {

class SnapshotTransferCounters {
 public:
  SnapshotTransferCounters() : durations_(DurationHistogram::exponential_bounds(0.1, 2, 10)) {}

  void begin() {
    started_.fetch_add(1, std::memory_order_relaxed);
    in_flight_.fetch_add(1, std::memory_order_relaxed);
  }
  void finish(bool ok, std::chrono::nanoseconds took) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (!ok) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    successes_.fetch_add(1, std::memory_order_relaxed);
    durations_.observe(took);
  }

  node::SnapshotTransfers figures() const {
    node::SnapshotTransfers f;
    f.attempted = started_.load(std::memory_order_relaxed) != 0;
    f.in_flight = in_flight_.load(std::memory_order_relaxed);
    f.successes = successes_.load(std::memory_order_relaxed);
    f.failures = failures_.load(std::memory_order_relaxed);
    f.durations = durations_.snapshot();
    return f;
  }

 private:
  std::atomic<std::uint64_t> started_{0}, in_flight_{0}, successes_{0}, failures_{0};
  DurationHistogram durations_;
};

// One transfer counted by a SnapshotTransferCounters: begun when constructed, in flight until
// finish() says how it ended, or until destroyed unfinished, which counts it as failed (a receive
// whose body never came whole: the connection ended, the read failed or overran its limit).
// Holds its counters alive (pass an aliasing shared_ptr to counters inside a larger object).
// Not thread-safe itself: one owner at a time; the counters it updates are.
class SnapshotTransfer {
 public:
  explicit SnapshotTransfer(std::shared_ptr<SnapshotTransferCounters> counters)
      : counters_(std::move(counters)), started_(std::chrono::steady_clock::now()) {
    counters_->begin();
  }
  ~SnapshotTransfer() {
    if (!finished_) finish(false);
  }
  SnapshotTransfer(const SnapshotTransfer&) = delete;
  SnapshotTransfer& operator=(const SnapshotTransfer&) = delete;

  // Ends the transfer, timed from its construction. Once only; later calls do nothing.
  void finish(bool ok) {
    if (finished_) return;
    finished_ = true;
    counters_->finish(ok, std::chrono::steady_clock::now() - started_);
  }

 private:
  const std::shared_ptr<SnapshotTransferCounters> counters_;
  const std::chrono::steady_clock::time_point started_;
  bool finished_ = false;
};

}  // namespace coord::transport
