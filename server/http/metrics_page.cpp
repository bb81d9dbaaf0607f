#include "server/http/metrics_page.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "server/common/hex.hpp"
#include "server/http/metrics_text.hpp"

namespace coord::http {
namespace {

using Counts = std::vector<std::pair<std::string_view, std::uint64_t>>;

// A family counted by v2 store action. As a Go CounterVec, it lists only the actions seen so
// far, in label order; with none seen the family is left out.
void by_action(MetricsText& page, std::string_view name, std::string_view help, Counts counts) {
  std::erase_if(counts, [](const auto& c) { return c.second == 0; });
  if (counts.empty()) return;
  std::sort(counts.begin(), counts.end());
  page.family(name, help, "counter");
  for (const auto& [action, n] : counts) page.sample(name, {{"action", action}}, static_cast<double>(n));
}

// etcd's v2 keys request families. As Go CounterVecs and HistogramVecs they list only the label
// sets seen so far (failures by code, then method: labels sort by name); with none the family is
// left out.
void http_families(MetricsText& page, const KeysMetricsSnapshot& k) {
  if (!k.failed.empty()) {
    page.family("etcd_http_failed_total",
                "Counter of handle failures of requests (non-watches), by method (GET/PUT etc.) and code (400, 500 etc.).",
                "counter");
    for (const auto& [key, n] : k.failed) {
      const std::string code = std::to_string(key.first);
      page.sample("etcd_http_failed_total", {{"code", code}, {"method", kKeysMetricLabels[static_cast<std::size_t>(key.second)]}},
                  static_cast<double>(n));
    }
  }
  if (std::any_of(k.received.begin(), k.received.end(), [](std::uint64_t n) { return n != 0; })) {
    page.family("etcd_http_received_total",
                "Counter of requests received into the system (successfully parsed and authd).", "counter");
    for (std::size_t i = 0; i < k.received.size(); ++i)
      if (k.received[i] != 0)
        page.sample("etcd_http_received_total", {{"method", kKeysMetricLabels[i]}}, static_cast<double>(k.received[i]));
  }
  if (std::any_of(k.succeeded.begin(), k.succeeded.end(), [](const HistogramSnapshot& h) { return h.count != 0; })) {
    page.family("etcd_http_successful_duration_seconds",
                "Bucketed histogram of processing time (s) of successfully handled requests (non-watches), by method "
                "(GET/PUT etc.).",
                "histogram");
    for (std::size_t i = 0; i < k.succeeded.size(); ++i)
      if (k.succeeded[i].count != 0)
        page.histogram("etcd_http_successful_duration_seconds", {{"method", kKeysMetricLabels[i]}}, k.succeeded[i]);
  }
}

void store_families(MetricsText& page, const MetricsView& m) {
  const store::StoreStats& s = m.store;
  page.single("etcd_debugging_store_expires_total", "Total number of expired keys.", "counter",
              static_cast<double>(s.expire_count));
  by_action(page, "etcd_debugging_store_reads_failed_total",
            "Failed read actions by (get/getRecursive), local to this member.", {{"get", s.gets_fail}});
  by_action(page, "etcd_debugging_store_reads_total",
            "Total number of reads action by (get/getRecursive), local to this member.", {{"get", s.gets_success}});
  page.single("etcd_debugging_store_watch_requests_total",
              "Total number of incoming watch requests (new or reestablished).", "counter",
              static_cast<double>(m.watch_requests));
  page.single("etcd_debugging_store_watchers", "Count of currently active watchers.", "gauge",
              static_cast<double>(s.watchers));
  by_action(page, "etcd_debugging_store_writes_failed_total",
            "Failed write actions (e.g. set/compareAndDelete), seen by this member.",
            {{"set", s.sets_fail}, {"delete", s.delete_fail}, {"update", s.update_fail}, {"create", s.create_fail},
             {"compareAndSwap", s.compare_and_swap_fail}, {"compareAndDelete", s.compare_and_delete_fail}});
  by_action(page, "etcd_debugging_store_writes_total",
            "Total number of writes (e.g. set/compareAndDelete) seen by this member.",
            {{"set", s.sets_success}, {"delete", s.delete_success}, {"update", s.update_success},
             {"create", s.create_success}, {"compareAndSwap", s.compare_and_swap_success},
             {"compareAndDelete", s.compare_and_delete_success}});
}

// A per-peer family of etcd_network_*: one sample per other member, labelled by its id in hex
// (`label` "To" or "From"), or by this member's and its own ("Local", "Remote").
template <typename Value>
void per_peer(MetricsText& page, const MetricsView& m, std::string_view name, std::string_view help,
              std::string_view type, std::string_view label, Value value) {
  if (m.peers.empty()) return;
  page.family(name, help, type);
  const std::string local = to_hex(m.member_id);
  for (const auto& p : m.peers) {
    const std::string remote = to_hex(p.id);
    const double v = static_cast<double>(value(p));
    if (label.empty()) page.sample(name, {{"Local", local}, {"Remote", remote}}, v);
    else page.sample(name, {{label, remote}}, v);
  }
}

// A per-peer family of the snapshot transfers (`label` "To" or "From"). As a Go Vec it lists only
// the peers `seen` holds for (a label set exists once used); with none the family is left out.
template <typename Seen, typename Value>
void per_peer_seen(MetricsText& page, const MetricsView& m, std::string_view name, std::string_view help,
                   std::string_view type, std::string_view label, Seen seen, Value value) {
  if (std::none_of(m.peers.begin(), m.peers.end(), seen)) return;
  page.family(name, help, type);
  for (const auto& p : m.peers) {
    if (!seen(p)) continue;
    const std::string remote = to_hex(p.id);
    if constexpr (std::is_same_v<decltype(value(p)), const HistogramSnapshot&>)
      page.histogram(name, {{label, remote}}, value(p));
    else
      page.sample(name, {{label, remote}}, static_cast<double>(value(p)));
  }
}

void snapshot_families(MetricsText& page, const MetricsView& m) {
  using P = node::PeerActivity;
  per_peer_seen(page, m, "etcd_network_snapshot_receive_failures", "Total number of snapshot receive failures",
                "counter", "From", [](const P& p) { return p.snapshots_received.failures != 0; },
                [](const P& p) { return p.snapshots_received.failures; });
  per_peer_seen(page, m, "etcd_network_snapshot_receive_inflights_total", "Total number of inflight snapshot receives",
                "gauge", "From", [](const P& p) { return p.snapshots_received.attempted; },
                [](const P& p) { return p.snapshots_received.in_flight; });
  per_peer_seen(page, m, "etcd_network_snapshot_receive_success", "Total number of successful snapshot receives",
                "counter", "From", [](const P& p) { return p.snapshots_received.successes != 0; },
                [](const P& p) { return p.snapshots_received.successes; });
  per_peer_seen(page, m, "etcd_network_snapshot_receive_total_duration_seconds",
                "Total latency distributions of v3 snapshot receives", "histogram", "From",
                [](const P& p) { return p.snapshots_received.successes != 0; },
                [](const P& p) -> const HistogramSnapshot& { return p.snapshots_received.durations; });
  per_peer_seen(page, m, "etcd_network_snapshot_send_failures", "Total number of snapshot send failures", "counter",
                "To", [](const P& p) { return p.snapshots_sent.failures != 0; },
                [](const P& p) { return p.snapshots_sent.failures; });
  per_peer_seen(page, m, "etcd_network_snapshot_send_inflights_total", "Total number of inflight snapshot sends",
                "gauge", "To", [](const P& p) { return p.snapshots_sent.attempted; },
                [](const P& p) { return p.snapshots_sent.in_flight; });
  per_peer_seen(page, m, "etcd_network_snapshot_send_success", "Total number of successful snapshot sends", "counter",
                "To", [](const P& p) { return p.snapshots_sent.successes != 0; },
                [](const P& p) { return p.snapshots_sent.successes; });
  per_peer_seen(page, m, "etcd_network_snapshot_send_total_duration_seconds",
                "Total latency distributions of v3 snapshot sends", "histogram", "To",
                [](const P& p) { return p.snapshots_sent.successes != 0; },
                [](const P& p) -> const HistogramSnapshot& { return p.snapshots_sent.durations; });
}

void network_families(MetricsText& page, const MetricsView& m) {
  using P = node::PeerActivity;
  per_peer(page, m, "etcd_network_active_peers", "The current number of active peer connections.", "gauge", "",
           [](const P& p) { return p.active_since != std::chrono::steady_clock::time_point{} ? 1 : 0; });
  per_peer(page, m, "etcd_network_disconnected_peers_total", "The total number of disconnected peers.", "counter",
           "", [](const P& p) { return p.disconnects; });
  per_peer(page, m, "etcd_network_peer_received_bytes_total", "The total number of bytes received from peers.",
           "counter", "From", [](const P& p) { return p.received_bytes; });
  per_peer(page, m, "etcd_network_peer_received_failures_total", "The total number of receive failures from peers.",
           "counter", "From", [](const P& p) { return p.received_failures; });
  per_peer_seen(page, m, "etcd_network_peer_round_trip_time_seconds", "Round-Trip-Time histogram between peers",
                "histogram", "To", [](const P& p) { return p.round_trips.count != 0; },
                [](const P& p) -> const HistogramSnapshot& { return p.round_trips; });
  per_peer(page, m, "etcd_network_peer_sent_bytes_total", "The total number of bytes sent to peers.", "counter",
           "To", [](const P& p) { return p.sent_bytes; });
  per_peer(page, m, "etcd_network_peer_sent_failures_total", "The total number of send failures from peers.",
           "counter", "To", [](const P& p) { return p.sent_failures; });
  snapshot_families(page, m);
}

void server_families(MetricsText& page, const MetricsView& m) {
  page.single("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", "gauge",
              m.has_leader ? 1 : 0);
  std::uint64_t heartbeat_failures = 0;
  for (const auto& p : m.peers) heartbeat_failures += p.heartbeat_send_failures;
  page.single("etcd_server_health_failures", "The total number of failed health checks", "counter",
              static_cast<double>(m.health_failures));
  page.single("etcd_server_health_success", "The total number of successful health checks", "counter",
              static_cast<double>(m.health_success));
  page.single("etcd_server_heartbeat_send_failures_total",
              "The total number of leader heartbeat send failures (likely overloaded from slow disk).", "counter",
              static_cast<double>(heartbeat_failures));
  page.family("etcd_server_id", "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
              "gauge");
  page.sample("etcd_server_id", {{"server_id", to_hex(m.member_id)}}, 1);
  page.single("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.", "gauge",
              m.is_leader ? 1 : 0);
  // coordd has no learners (etcd's non-voting members): a member always votes.
  page.single("etcd_server_is_learner", "Whether or not this member is a learner. 1 if is, 0 otherwise.", "gauge", 0);
  page.single("etcd_server_leader_changes_seen_total", "The number of leader changes seen.", "counter",
              static_cast<double>(m.leader_changes_seen));
  // etcd declares these two gauges, though they only grow.
  page.single("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.", "gauge",
              static_cast<double>(m.proposals_applied));
  page.single("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.", "gauge",
              static_cast<double>(m.proposals_committed));
  page.single("etcd_server_proposals_failed_total", "The total number of failed proposals seen.", "counter",
              static_cast<double>(m.proposals_failed));
  page.single("etcd_server_proposals_pending", "The current number of pending proposals to commit.", "gauge",
              static_cast<double>(m.proposals_pending));
  page.single("etcd_server_read_indexes_failed_total", "The total number of failed read indexes seen.", "counter",
              static_cast<double>(m.read_indexes_failed));
  page.single("etcd_server_slow_apply_total",
              "The total number of slow apply requests (likely overloaded from slow disk).", "counter",
              static_cast<double>(m.slow_applies));
  page.single("etcd_server_slow_read_indexes_total",
              "The total number of pending read indexes not in sync with leader's or timed out read index requests.",
              "counter", static_cast<double>(m.slow_read_indexes));
  page.single("etcd_server_snapshot_apply_in_progress_total",
              "1 if the server is applying the incoming snapshot. 0 if none.", "gauge", m.snapshot_applying ? 1 : 0);
  page.family("etcd_server_version", "Which version is running. 1 for 'server_version' label with current version.",
              "gauge");
  page.sample("etcd_server_version", {{"server_version", m.server_version}}, 1);
}

}  // namespace

void append_metrics_page(std::string& out, const MetricsView& m) {
  MetricsText page(out);
  if (!m.cluster_version.empty()) {
    page.family("etcd_cluster_version",
                "Which version is running. 1 for 'cluster_version' label with current cluster version", "gauge");
    page.sample("etcd_cluster_version", {{"cluster_version", m.cluster_version}}, 1);
  }
  page.family("etcd_debugging_snap_save_marshalling_duration_seconds",
              "The marshalling cost distributions of save called by snapshot.", "histogram");
  page.histogram("etcd_debugging_snap_save_marshalling_duration_seconds", {}, m.snap_marshalling_durations);
  page.family("etcd_debugging_snap_save_total_duration_seconds",
              "The total latency distributions of save called by snapshot.", "histogram");
  page.histogram("etcd_debugging_snap_save_total_duration_seconds", {}, m.snap_save_durations);
  store_families(page, m);
  page.family("etcd_disk_wal_fsync_duration_seconds", "The latency distributions of fsync called by WAL.",
              "histogram");
  page.histogram("etcd_disk_wal_fsync_duration_seconds", {}, m.wal_fsync_durations);
  // A gauge in etcd, though it only grows.
  page.single("etcd_disk_wal_write_bytes_total", "Total number of bytes written in WAL.", "gauge",
              static_cast<double>(m.wal_written_bytes));
  http_families(page, m.keys);
  network_families(page, m);
  server_families(page, m);
  page.family("etcd_snap_fsync_duration_seconds", "The latency distributions of fsync called by snap.", "histogram");
  page.histogram("etcd_snap_fsync_duration_seconds", {}, m.snap_fsync_durations);
  if (m.process) {
    append_os_fd_metrics(page, *m.process);
    append_process_metrics(page, *m.process);
  }
}

}  // namespace coord::http
