// Internal: the retry rules of coord::Client as pure functions — how long to back off, and what
// a transport result means for a given operation (retry anywhere, resolve an ambiguous write,
// or hand the answer to the parser). Backoff is safe for concurrent use; classify() is pure.
#pragma once

#include <chrono>
#include <mutex>
#include <random>

#include "coord/detail/operation.hpp"
#include "coord/options.hpp"
#include "coord/transport.hpp"

namespace coord::detail {

class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy);
  // The wait before retry round `round` (0-based): uniform in [d/2, d],
  // d = min(max_delay, initial_delay * 2^round).
  std::chrono::milliseconds delay(int round);

 private:
  RetryPolicy policy_;
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
};

enum class Outcome {
  kAnswer,     // an HTTP answer to parse (success or an etcd error)
  kRetry,      // safe to send again, to the next endpoint
  kAmbiguous,  // a write may have been applied: resolve with a quorum read before anything else
  kCancelled,
};

// Invariant: a kWrite operation is never classified kRetry once its request may have been sent.
Outcome classify(const Operation& op, const TransportResult& result);

// Whether an answer means "this endpoint is unhealthy, rotate" (5xx, etcd 300/301).
bool endpoint_unhealthy(const HttpResponse& response);

}  // namespace coord::detail
