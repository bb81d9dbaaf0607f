#include "test/bench/coord_bench/latency_recorder.hpp"

#include <algorithm>

namespace coord::bench {

void LatencyRecorder::merge(LatencyRecorder&& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  for (const auto& [what, n] : other.errors_) errors_[what] += n;
  other.samples_.clear();
  other.errors_.clear();
}

LatencySummary LatencyRecorder::summarize() {
  LatencySummary s;
  s.count = samples_.size();
  if (samples_.empty()) return s;
  std::sort(samples_.begin(), samples_.end());
  // Nearest-rank percentile: the smallest sample with at least p% of samples at or below it.
  auto at = [&](double p) {
    auto rank = static_cast<std::size_t>(p * static_cast<double>(samples_.size()) + 0.999999);
    rank = std::clamp<std::size_t>(rank, 1, samples_.size());
    return static_cast<double>(samples_[rank - 1]) / 1000.0;
  };
  s.p50_us = at(0.50);
  s.p90_us = at(0.90);
  s.p99_us = at(0.99);
  s.max_us = static_cast<double>(samples_.back()) / 1000.0;
  return s;
}

std::uint64_t LatencyRecorder::error_count() const {
  std::uint64_t n = 0;
  for (const auto& [what, count] : errors_) n += count;
  return n;
}

}  // namespace coord::bench
