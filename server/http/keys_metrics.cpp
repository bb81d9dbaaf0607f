#include "server/http/keys_metrics.hpp"

namespace coord::http {

KeysMetrics::KeysMetrics()
    : succeeded_{DurationHistogram(duration_bounds()), DurationHistogram(duration_bounds()),
                 DurationHistogram(duration_bounds()), DurationHistogram(duration_bounds()),
                 DurationHistogram(duration_bounds()), DurationHistogram(duration_bounds())} {}

void KeysMetrics::failed(KeysMetricMethod m, int status) {
  std::lock_guard lock(failed_mu_);
  ++failed_[{status, m}];
}

KeysMetricsSnapshot KeysMetrics::snapshot() const {
  KeysMetricsSnapshot s;
  for (std::size_t i = 0; i < received_.size(); ++i) {
    s.received[i] = received_[i].load(std::memory_order_relaxed);
    s.succeeded[i] = succeeded_[i].snapshot();
  }
  std::lock_guard lock(failed_mu_);
  s.failed = failed_;
  return s;
}

}  // namespace coord::http
