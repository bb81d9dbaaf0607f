// MetricsHandler: GET /metrics (the page of metrics_page.hpp, gathered at each scrape) and
// /health (HealthCheck). The client API's Router hands it those two paths; on its own it is the
// handler behind --listen-metrics-urls, which serves exactly those two and 404 elsewhere, as
// etcd's metrics listener does. Under --metrics extensive it also counts v2 keys requests by
// method (etcd_http_received_total): one relaxed atomic increment per request, and none at all
// under basic. Safe for concurrent use by many sessions.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "server/http/health_check.hpp"
#include "server/http/metrics_page.hpp"
#include "server/http/request_handler.hpp"

namespace coord::node {
class Node;
}

namespace coord::http {

struct MetricsOptions {
  std::string server_version;
  bool extensive = false;  // --metrics extensive
};

class MetricsHandler final : public RequestHandler {
 public:
  MetricsHandler(node::Node& node, MetricsOptions options);

  // Serves /metrics and /health; 404 for any other path.
  void route(HttpRequest request, std::shared_ptr<Session> session) override;
  // The two answers, for a router that has already matched the path.
  void health(const HttpRequest& request, std::shared_ptr<Session> session) { health_.handle(request, std::move(session)); }
  Reply metrics() const;
  // Counts one v2 keys request by its method; nothing unless extensive.
  void count_received(boost::beast::http::verb method) {
    if (!options_.extensive) return;
    if (const std::size_t slot = method_slot(method); slot < received_.size())
      received_[slot].fetch_add(1, std::memory_order_relaxed);
  }
  // The figures of the page, as of now.
  MetricsView gather() const;

 private:
  // The index of `method` in kCountedMethods; kCountedMethods.size() for any other method.
  static std::size_t method_slot(boost::beast::http::verb method);

  node::Node& node_;
  const MetricsOptions options_;
  HealthCheck health_;
  std::array<std::atomic<std::uint64_t>, kCountedMethods.size()> received_{};
};

}  // namespace coord::http
