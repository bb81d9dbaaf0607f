#include "server/http/metrics_handler.hpp"

#include <boost/beast/http/verb.hpp>

#include "server/http/session.hpp"
#include "server/http/url.hpp"
#include "server/node/node_api.hpp"

namespace coord::http {

namespace bhttp = boost::beast::http;

namespace {

// etcd labels the cluster version by major.minor ("3.4"), as version.Cluster does.
std::string major_minor(const std::string& version) {
  const auto first = version.find('.');
  if (first == std::string::npos) return version;
  return version.substr(0, version.find('.', first + 1));
}

}  // namespace

MetricsHandler::MetricsHandler(node::NodeApi& node, MetricsOptions options, const KeysMetrics& keys)
    : node_(node), options_(std::move(options)), health_(node), keys_(keys) {}

void MetricsHandler::route(HttpRequest request, std::shared_ptr<Session> session) {
  auto target = parse_request_target(std::string_view(request.target().data(), request.target().size()));
  if (target && target->path == "/health") return health(request, std::move(session));
  Reply reply = target && target->path == "/metrics" ? metrics() : not_found_reply();
  reply.head_only = request.method() == bhttp::verb::head;
  session->reply(std::move(reply));
}

Reply MetricsHandler::metrics() const {
  // Any method, as etcd's promhttp handler answers (the caller marks a HEAD answer head-only).
  Reply r{200, kMetricsContentType, {}, {}};
  append_metrics_page(r.body, gather());
  return r;
}

MetricsView MetricsHandler::gather() const {
  const node::NodeStatus status = node_.status();
  MetricsView m;
  m.member_id = status.id;
  m.server_version = options_.server_version;
  m.cluster_version = major_minor(node_.read([](const store::Store& s, node::RaftPosition) { return s.cluster_version(); }));
  m.has_leader = status.leader != 0;
  m.is_leader = status.is_leader;
  m.leader_changes_seen = status.leader_changes_seen;
  m.proposals_committed = status.proposals_committed;
  m.proposals_applied = status.proposals_applied;
  m.proposals_pending = status.proposals_pending;
  m.proposals_failed = status.proposals_failed;
  m.watch_requests = status.watch_requests;
  m.health_success = health_.successes();
  m.health_failures = health_.failures();
  const node::NodeMetrics& events = node_.metrics();
  m.slow_applies = events.slow_applies.load(std::memory_order_relaxed);
  m.read_indexes_failed = events.read_indexes_failed.load(std::memory_order_relaxed);
  m.slow_read_indexes = events.slow_read_indexes.load(std::memory_order_relaxed);
  m.snapshot_applying = events.snapshot_applying.load(std::memory_order_relaxed) != 0;
  m.wal_written_bytes = events.wal_written_bytes.load(std::memory_order_relaxed);
  m.snap_marshalling_durations = events.snap_marshalling.snapshot();
  m.snap_fsync_durations = events.snap_fsync.snapshot();
  m.snap_save_durations = events.snap_save_total.snapshot();
  m.wal_fsync_durations = node_.wal_fsync_durations();
  m.store = node_.read([](const store::Store& s, node::RaftPosition) { return s.stats(); });
  m.peers = node_.peer_activity();
  m.keys = keys_.snapshot();
  m.process = read_process_figures();
  return m;
}

}  // namespace coord::http
