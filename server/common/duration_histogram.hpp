// DurationHistogram: a Prometheus-style histogram of durations (fixed bucket bounds, a sum and a
// count), for figures like etcd's etcd_disk_wal_fsync_duration_seconds. One thread observes,
// any thread may take a snapshot; counters are relaxed atomics, so a snapshot taken during an
// observation may miss that one observation, but its buckets, sum and count never disagree by
// more than it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace coord {

// A histogram as exposition formats want it: cumulative counts per upper bound.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;            // seconds, ascending; +Inf is implicit
  std::vector<std::uint64_t> cumulative;       // observations <= each bound
  std::uint64_t count = 0;                     // every observation (the +Inf bucket)
  double sum_seconds = 0;
};

class DurationHistogram {
 public:
  // `upper_bounds` in seconds, ascending.
  explicit DurationHistogram(std::vector<double> upper_bounds);

  // Bounds `start`, `start * factor`, ... (`count` of them): Prometheus' ExponentialBuckets.
  static std::vector<double> exponential_bounds(double start, double factor, int count);

  void observe(std::chrono::nanoseconds duration);
  HistogramSnapshot snapshot() const;

 private:
  const std::vector<double> upper_bounds_;
  // One counter per bound plus one for +Inf; not cumulative (snapshot() adds them up).
  const std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> sum_nanos_{0};
};

}  // namespace coord
