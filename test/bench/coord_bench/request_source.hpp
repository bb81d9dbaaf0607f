// RequestSource: hands out the raw HTTP/1.1 requests of one workload (PUT/GET/POST text with
// Host, Content-Type and Content-Length), numbered by one shared counter so N connections cover
// the key space together. Safe for concurrent use (the counter is atomic; the rest is constant).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "test/bench/coord_bench/bench_options.hpp"

namespace coord::bench {

class RequestSource {
 public:
  // `workload` may differ from options.workload: the prefill phase runs kLoad.
  RequestSource(const BenchOptions& options, Workload workload);

  // Appends the next request for `endpoint` to `out`; false when the workload is exhausted
  // (kLoad: every key written once; the others never end).
  bool next(const Endpoint& endpoint, std::string& out);

 private:
  void append_put(const Endpoint& endpoint, const std::string& path, const std::string& body,
                  std::string& out) const;
  void append_get(const Endpoint& endpoint, const std::string& path, bool quorum,
                  std::string& out) const;

  // Constant after construction.
  const BenchOptions options_;
  const Workload workload_;
  std::string value_body_;    // "value=vvv..." (plus "&ttl=N" when the prefill is for ttl-refresh)
  std::string refresh_body_;  // "ttl=N&refresh=true&prevExist=true"

  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace coord::bench
