#include "server/common/duration_histogram.hpp"

#include <algorithm>
#include <utility>

namespace coord {

DurationHistogram::DurationHistogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds_.size() + 1)) {}

std::vector<double> DurationHistogram::exponential_bounds(double start, double factor, int count) {
  std::vector<double> bounds;
  for (double b = start; static_cast<int>(bounds.size()) < count; b *= factor) bounds.push_back(b);
  return bounds;
}

void DurationHistogram::observe(std::chrono::nanoseconds duration) {
  const auto nanos = std::max<std::int64_t>(0, duration.count());
  const double seconds = static_cast<double>(nanos) / 1e9;
  // Prometheus buckets are "less than or equal": the first bound >= the value.
  const auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), seconds) - upper_bounds_.begin();
  buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
}

HistogramSnapshot DurationHistogram::snapshot() const {
  HistogramSnapshot s;
  s.upper_bounds = upper_bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running + buckets_[upper_bounds_.size()].load(std::memory_order_relaxed);
  s.sum_seconds = static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

}  // namespace coord
