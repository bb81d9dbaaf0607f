#include "server/common/hex.hpp"
#include "server/http/router.hpp"

#include <boost/beast/http/verb.hpp>
#include <cstdio>

#include "server/http/raft_status_json.hpp"
#include "server/http/url.hpp"
#include "server/http/v2_json.hpp"
#include "server/node/node_api.hpp"
#include "server/ui/dashboard.hpp"

namespace coord::http {
namespace {

namespace bhttp = boost::beast::http;

bool is_get(const HttpRequest& r) { return r.method() == bhttp::verb::get; }
bool is_get_or_head(const HttpRequest& r) { return is_get(r) || r.method() == bhttp::verb::head; }

Reply json_reply(int status, std::string body) { return Reply{status, kJson, std::move(body), {}}; }

Reply message_reply(int status, std::string_view message) {
  Reply r{status, kJson, {}, {}};
  append_message_json(r.body, message);
  return r;
}

std::vector<MemberView> member_views(const node::NodeApi& node) {
  std::vector<MemberView> out;
  for (const auto& m : node.members()) out.push_back({m.id, m.name, m.peer_urls, m.client_urls});
  return out;
}

}  // namespace

Router::Router(node::NodeApi& node, RouterOptions options)
    : node_(node), options_(std::move(options)), gate_(node, options_.client_cert_auth), keys_(node, gate_, keys_metrics_), members_(node, gate_), auth_(node, gate_),
      metrics_(node, MetricsOptions{options_.server_version}, keys_metrics_) {}

void Router::route(HttpRequest request, std::shared_ptr<Session> session) {
  auto target = parse_request_target(std::string_view(request.target().data(), request.target().size()));
  if (!target) {
    Reply bad{400, kText, "400 Bad Request", {}};
    bad.bare = bad.close = true;
    return session->reply(std::move(bad));
  }
  if (request.method() == bhttp::verb::options) return session->reply(Reply{200, {}, {}, {}});
  if (auto redirect = redirect_for(*target)) {
    Reply r{301, {}, {}, {}};
    r.header("Location", redirect->location);
    if (is_get_or_head(request)) {
      r.content_type = "text/html; charset=utf-8";
      r.body = redirect->html_body;
      r.head_only = request.method() == bhttp::verb::head;
    }
    return session->reply(std::move(r));
  }
  const std::string& path = target->path;
  const bool keys = path == "/v2/keys" || path.rfind("/v2/keys/", 0) == 0;
  const bool members = path == "/v2/members" || path.rfind("/v2/members/", 0) == 0;
  const bool auth = !keys && !members && AuthHandler::serves(path);
  // These check credentials, which read recorded password verdicts only: a password without
  // one is checked off the io threads first, and the request comes back here (AuthGate).
  if ((keys || members || auth) && gate_.defer_until_verified(request, session, *this)) return;
  if (keys) return keys_.handle(request, *target, std::move(session));
  if (members) return members_.handle(request, path, std::move(session));
  if (auth) return auth_.handle(request, path, std::move(session));
  if (path == "/health") return metrics_.health(request, std::move(session));
  Reply reply = [&] {
    if (path.rfind("/v2/stats/", 0) == 0) return stats(request, path);
    if (path == "/v2/machines") return machines(request);
    if (path == "/version") return version(request);
    if (path == "/metrics") return metrics_.metrics();
    if (options_.enable_ui && path == kRaftStatusPath) return raft_status(request);
    if (options_.enable_ui && ui::is_dashboard_path(path))
      return ui::dashboard_reply(path, is_get_or_head(request), std::string_view(request[bhttp::field::if_none_match]));
    return not_found_reply();
  }();
  reply.head_only = request.method() == bhttp::verb::head;
  session->reply(std::move(reply));
}

Reply Router::stats(const HttpRequest& request, const std::string& path) {
  if (path != "/v2/stats/self" && path != "/v2/stats/leader" && path != "/v2/stats/store") return not_found_reply();
  if (!is_get(request)) return method_not_allowed_reply("GET");
  const node::NodeStatus status = node_.status();
  Reply r = json_reply(200, {});
  if (path == "/v2/stats/store") {
    const auto stats = node_.read([](const store::Store& s, node::RaftPosition) { return s.stats(); });
    append_store_stats_json(r.body, stats);
  } else if (path == "/v2/stats/leader") {
    if (!status.is_leader) return message_reply(403, "not current leader");
    append_leader_stats_json(r.body, status.id, node_.peer_activity());
  } else {
    SelfStatsView self;
    self.name = status.name;
    self.id = status.id;
    self.state = status.is_leader ? "StateLeader" : "StateFollower";
    self.start_time = status.start_time;
    self.leader_id = status.leader;
    self.leader_start_time = status.leader_since != 0 ? status.leader_since : status.start_time;
    self.recv_append_request_count = status.recv_append_requests;
    self.send_append_request_count = status.send_append_requests;
    append_self_stats_json(r.body, self, node_.clock().now());
  }
  return r;
}

Reply Router::raft_status(const HttpRequest& request) {
  if (!is_get_or_head(request)) return method_not_allowed_reply("GET, HEAD");
  const node::NodeStatus status = node_.status();
  Reply r = json_reply(200, {});
  append_raft_status_json(r.body, status.id, status.leader, node_.replication());
  r.header("Cache-Control", "no-store");
  return r;
}

Reply Router::machines(const HttpRequest& request) {
  if (!is_get_or_head(request)) return method_not_allowed_reply("GET,HEAD");
  Reply r{200, kText, {}, {}};
  append_machines_text(r.body, member_views(node_));
  return r;
}

Reply Router::version(const HttpRequest& request) {
  if (!is_get(request)) return method_not_allowed_reply("GET");
  const auto cluster = node_.read([](const store::Store& s, node::RaftPosition) { return s.cluster_version(); });
  Reply r = json_reply(200, {});
  append_version_json(r.body, options_.server_version, cluster.empty() ? kClusterVersionNotDecided : cluster);
  return r;
}

}  // namespace coord::http
