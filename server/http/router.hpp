// Router: the client API's dispatch, in Go ServeMux order as etcd sets it up: a target Go's
// HTTP layer would reject gets a bare 400; OPTIONS answers 200 before routing; unclean paths
// get a 301; then /v2/keys, /v2/members, /v2/auth/*, /v2/stats/*, /v2/machines, /version,
// /health and /metrics, and the dashboard's /ui/ (server/ui/, unless turned off, with its
// replication status at /ui/api/raft); anything else is 404. Called on a session's strand; safe
// for concurrent use by many sessions (its only mutable state is the keys requests' counters).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "server/common/version.hpp"
#include "server/http/auth_gate.hpp"
#include "server/http/auth_handler.hpp"
#include "server/http/keys_handler.hpp"
#include "server/http/members_handler.hpp"
#include "server/http/metrics_handler.hpp"
#include "server/http/request_handler.hpp"
#include "server/http/session.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

// The dashboard's replication status (server/http/raft_status_json.hpp), served with the
// dashboard (and off with it) under its own prefix.
inline constexpr std::string_view kRaftStatusPath = "/ui/api/raft";

struct RouterOptions {
  std::string server_version{kServerVersion};
  std::string name = "default";
  bool client_cert_auth = false;  // --client-cert-auth: v2 auth takes a user from the client certificate
  bool enable_ui = true;          // --enable-ui: serve the dashboard at /ui/ (its assets need no auth)
};

class Router final : public RequestHandler {
 public:
  Router(node::NodeApi& node, RouterOptions options);

  // Answers `request` through `session` (now or later, from any thread).
  void route(HttpRequest request, std::shared_ptr<Session> session) override;
  // /metrics and /health, also served on their own by --listen-metrics-urls.
  MetricsHandler& metrics_handler() { return metrics_; }

 private:
  Reply stats(const HttpRequest& request, const std::string& path);
  Reply machines(const HttpRequest& request);
  Reply raft_status(const HttpRequest& request);
  Reply version(const HttpRequest& request);

  node::NodeApi& node_;
  const RouterOptions options_;
  AuthGate gate_;  // before the handlers that hold a reference to it
  KeysMetrics keys_metrics_;  // likewise
  KeysHandler keys_;
  MembersHandler members_;
  AuthHandler auth_;
  MetricsHandler metrics_;
};

}  // namespace coord::http
