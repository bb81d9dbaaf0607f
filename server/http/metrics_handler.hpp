// MetricsHandler: GET /metrics (the page of metrics_page.hpp, gathered at each scrape) and
// /health (HealthCheck). The client API's Router hands it those two paths; on its own it is the
// handler behind --listen-metrics-urls, which serves exactly those two and 404 elsewhere, as
// etcd's metrics listener does. The etcd_http_* families come from the KeysMetrics the keys
// handler feeds. Safe for concurrent use by many sessions.
#pragma once

#include <memory>
#include <string>

#include "server/http/health_check.hpp"
#include "server/http/keys_metrics.hpp"
#include "server/http/metrics_page.hpp"
#include "server/http/request_handler.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

struct MetricsOptions {
  std::string server_version;
};

class MetricsHandler final : public RequestHandler {
 public:
  // `keys` outlives the handler.
  MetricsHandler(node::NodeApi& node, MetricsOptions options, const KeysMetrics& keys);

  // Serves /metrics and /health; 404 for any other path.
  void route(HttpRequest request, std::shared_ptr<Session> session) override;
  // The two answers, for a router that has already matched the path.
  void health(const HttpRequest& request, std::shared_ptr<Session> session) { health_.handle(request, std::move(session)); }
  Reply metrics() const;
  // The figures of the page, as of now.
  MetricsView gather() const;

 private:
  node::NodeApi& node_;
  const MetricsOptions options_;
  HealthCheck health_;
  const KeysMetrics& keys_;
};

}  // namespace coord::http
