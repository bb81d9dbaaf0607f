// LatencyRecorder: every sample of one connection (nanoseconds) plus its error count; merged
// after the run into percentiles. Not thread-safe: each connection owns one and only touches it
// on its own strand; merge() is called once the io_context has stopped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace coord::bench {

struct LatencySummary {
  std::uint64_t count = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
};

class LatencyRecorder {
 public:
  void record(std::uint64_t nanos) { samples_.push_back(nanos); }
  // Counts one failed request; `what` is a short reason ("status 500", "connect: refused").
  void record_error(const std::string& what) { ++errors_[what]; }

  // Moves other's samples and errors into this one.
  void merge(LatencyRecorder&& other);
  // Sorts the samples and reads the percentiles off them.
  LatencySummary summarize();

  std::uint64_t error_count() const;
  const std::map<std::string, std::uint64_t>& errors() const { return errors_; }

 private:
  std::vector<std::uint64_t> samples_;
  std::map<std::string, std::uint64_t> errors_;
};

}  // namespace coord::bench
