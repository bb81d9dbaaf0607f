// PeerActivity: what the transport knows about the link to one peer, for /v2/stats/leader,
// /metrics and the reconfiguration checks. A plain value; the transport's PeerSender keeps one
// per peer under its own lock and hands out copies.
#pragma once

#include <chrono>
#include <cstdint>

#include "server/common/duration_histogram.hpp"

namespace coord::node {

// Snapshot messages sent to or received from one peer (etcd_network_snapshot_*). A transfer
// succeeds when the receiver took the snapshot (204); `durations` are of the successful ones.
struct SnapshotTransfers {
  bool attempted = false;  // at least one transfer started: etcd's label set for the peer exists
  std::uint64_t in_flight = 0;
  std::uint64_t successes = 0, failures = 0;
  HistogramSnapshot durations;
};

struct PeerActivity {
  std::uint64_t id = 0;
  std::chrono::steady_clock::time_point active_since{};  // zero while not connected
  std::uint64_t success = 0, fail = 0;
  // Milliseconds, of stream writes.
  double latency_current = 0, latency_min = 0, latency_max = 0, latency_sum = 0, latency_sq_sum = 0;
  // For etcd_network_*: bytes of message frames written to and read from the peer's streams;
  // messages that never left (dropped from a full queue, or queued when the connection failed);
  // reads from the peer's streams that ended in an error or a refusal; and connections that were
  // open and then lost.
  std::uint64_t sent_bytes = 0, sent_failures = 0;
  std::uint64_t received_bytes = 0, received_failures = 0;
  std::uint64_t disconnects = 0;
  // Heartbeats to the peer among the messages that never left (etcd_server_heartbeat_send_failures_total).
  std::uint64_t heartbeat_send_failures = 0;
  SnapshotTransfers snapshots_sent, snapshots_received;
  HistogramSnapshot round_trips;  // of the probes answered (etcd_network_peer_round_trip_time_seconds)
};

}  // namespace coord::node
