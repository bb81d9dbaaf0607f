// The /metrics page of a member: etcd 3.4's metric families that mean something for a v2 server,
// with etcd's names, types, labels, help text and buckets, so that dashboards and alert rules
// written for etcd read coordd unchanged. MetricsView is a plain value gathered at scrape time;
// append_metrics_page() writes it. Free functions; safe for concurrent use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/common/duration_histogram.hpp"
#include "server/http/keys_metrics.hpp"
#include "server/http/metrics_process.hpp"
#include "server/node/peer_activity.hpp"
#include "server/store/store_stats.hpp"

namespace coord::http {

struct MetricsView {
  std::uint64_t member_id = 0;
  std::string server_version;
  std::string cluster_version;  // "3.4" (major.minor, as etcd labels it); empty when undecided
  bool has_leader = false;
  bool is_leader = false;
  std::uint64_t leader_changes_seen = 0;
  std::uint64_t proposals_committed = 0;
  std::uint64_t proposals_applied = 0;
  std::uint64_t proposals_pending = 0;
  std::uint64_t proposals_failed = 0;
  std::uint64_t watch_requests = 0;
  std::uint64_t health_success = 0;
  std::uint64_t health_failures = 0;
  std::uint64_t slow_applies = 0;
  std::uint64_t read_indexes_failed = 0;
  std::uint64_t slow_read_indexes = 0;
  bool snapshot_applying = false;
  std::uint64_t wal_written_bytes = 0;
  HistogramSnapshot wal_fsync_durations;
  HistogramSnapshot snap_marshalling_durations;
  HistogramSnapshot snap_fsync_durations;
  HistogramSnapshot snap_save_durations;
  store::StoreStats store;
  std::vector<node::PeerActivity> peers;  // one per other member
  KeysMetricsSnapshot keys;  // the etcd_http_* families of v2 keys requests
  std::optional<ProcessFigures> process;  // absent where /proc cannot be read
};

// Appends the page, families in name order as Prometheus' Go client gathers them; a labelled
// family with no samples (e.g. etcd_network_* on a one-member cluster) is left out, as there.
void append_metrics_page(std::string& out, const MetricsView& view);

}  // namespace coord::http
