// HealthCheck: GET /health as etcd 3.4 answers it. Healthy only when this member knows a leader
// and a quorum read (Raft ReadIndex through Node::read_barrier, etcd's QGET) completes within
// kTimeout: 200 {"health":"true"}; otherwise 503 {"health":"false"} (with Go's http.Error
// newline), at the latest kTimeout after the request. A member cut off from the quorum thus
// answers false as soon as it asks: its read cannot be confirmed by a quorum. Each answer counts
// in etcd_server_health_success / _failures.
// Safe for concurrent use; answers go through the session from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "server/http/request_handler.hpp"
#include "server/http/session.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

class HealthCheck {
 public:
  // etcd's: the QGET of checkHealth runs under a one-second context.
  static constexpr std::chrono::milliseconds kTimeout{1000};

  explicit HealthCheck(node::NodeApi& node) : node_(node), counts_(std::make_shared<Counts>()) {}

  // Answers `request` (any method; only GET is allowed) through `session`, now or later.
  void handle(const HttpRequest& request, std::shared_ptr<Session> session);

  std::uint64_t successes() const { return counts_->success.load(std::memory_order_relaxed); }
  std::uint64_t failures() const { return counts_->failure.load(std::memory_order_relaxed); }

 private:
  // Shared with checks in flight, which may end after the handler is gone.
  struct Counts {
    std::atomic<std::uint64_t> success{0};
    std::atomic<std::uint64_t> failure{0};
  };
  struct Pending;

  static void answer(Counts& counts, Session& session, bool healthy);

  node::NodeApi& node_;
  const std::shared_ptr<Counts> counts_;
};

}  // namespace coord::http
