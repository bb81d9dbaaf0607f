// KeysMetrics: etcd 3.4's v2 keys request families — etcd_http_received_total{method},
// etcd_http_failed_total{method,code} and etcd_http_successful_duration_seconds{method} — counted
// where etcd's v2 keys handler counts them: a request is "received" once it parsed and passed
// auth, unless it is a watch; it "failed" when the store or Raft refused it (a watch included),
// labelled with the answer's status; it "succeeded" when a non-watch answer went out, timed from
// the start of its handling. A quorum GET is labelled QGET. Safe for concurrent use by every
// session: counters and histograms are relaxed atomics, failures (few distinct codes) sit in a
// small table behind a mutex.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "server/common/duration_histogram.hpp"

namespace coord::http {

// The method label of a keys request, in label order (sorted, as Prometheus' Go client writes them).
enum class KeysMetricMethod : std::uint8_t { kDelete, kGet, kHead, kPost, kPut, kQuorumGet };
inline constexpr std::array<std::string_view, 6> kKeysMetricLabels = {"DELETE", "GET", "HEAD", "POST", "PUT", "QGET"};

// A consistent-enough copy for one scrape.
struct KeysMetricsSnapshot {
  std::array<std::uint64_t, kKeysMetricLabels.size()> received{};
  // (status code, method) -> failures, in the page's order (code first: labels sort by name).
  std::map<std::pair<int, KeysMetricMethod>, std::uint64_t> failed;
  std::array<HistogramSnapshot, kKeysMetricLabels.size()> succeeded;
};

class KeysMetrics {
 public:
  KeysMetrics();

  void received(KeysMetricMethod m) { received_[index(m)].fetch_add(1, std::memory_order_relaxed); }
  void failed(KeysMetricMethod m, int status);
  void succeeded(KeysMetricMethod m, std::chrono::nanoseconds took) { succeeded_[index(m)].observe(took); }

  KeysMetricsSnapshot snapshot() const;

  // etcd's buckets: 0.5 ms doubling 13 times, to 2.048 s.
  static std::vector<double> duration_bounds() { return DurationHistogram::exponential_bounds(0.0005, 2, 13); }

 private:
  static std::size_t index(KeysMetricMethod m) { return static_cast<std::size_t>(m); }

  std::array<std::atomic<std::uint64_t>, kKeysMetricLabels.size()> received_{};
  std::array<DurationHistogram, kKeysMetricLabels.size()> succeeded_;
  mutable std::mutex failed_mu_;
  std::map<std::pair<int, KeysMetricMethod>, std::uint64_t> failed_;  // guarded by failed_mu_
};

}  // namespace coord::http
