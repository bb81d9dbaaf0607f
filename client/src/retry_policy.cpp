#include "client/src/retry_policy.hpp"

#include <algorithm>

namespace coord::detail {

Backoff::Backoff(const RetryPolicy& policy)
    : policy_(policy), rng_(policy.seed != 0 ? policy.seed : std::random_device{}()) {}

std::chrono::milliseconds Backoff::delay(int round) {
  using std::chrono::milliseconds;
  auto base = std::max<std::int64_t>(policy_.initial_delay.count(), 1);
  auto cap = std::max<std::int64_t>(policy_.max_delay.count(), base);
  std::int64_t d = base;
  for (int i = 0; i < round && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  std::lock_guard lock(mu_);
  std::uniform_int_distribution<std::int64_t> dist(d / 2, d);
  return milliseconds(dist(rng_));
}

bool endpoint_unhealthy(const HttpResponse& response) { return response.status >= 500; }

Outcome classify(const Operation& op, const TransportResult& result) {
  using S = TransportResult::Status;
  switch (result.status) {
    case S::kCancelled:
      return Outcome::kCancelled;
    case S::kConnectFailed:
      return Outcome::kRetry;  // never reached the server
    case S::kIoError:
    case S::kTimeout:
      if (op.retry == RetryClass::kWrite && result.maybe_sent) return Outcome::kAmbiguous;
      return Outcome::kRetry;
    case S::kOk:
      break;
  }
  if (endpoint_unhealthy(result.response)) {
    // etcd answers 500 (error 300 "request timed out") when a proposal did not commit in time;
    // it may still commit later, so for a write this is as ambiguous as a lost connection.
    return op.retry == RetryClass::kWrite ? Outcome::kAmbiguous : Outcome::kRetry;
  }
  return Outcome::kAnswer;
}

}  // namespace coord::detail
