// PeerStreamReceiver: the receiving end of one peer's message stream (peer_wire.hpp). It reads
// frames off an upgraded connection and steps their messages into the node: every complete
// frame of one read goes in one inbox push. It closes the connection on a malformed frame, on
// a message not from the member that opened the stream or not addressed to this member, on a
// snapshot message (snapshots come on their own stream, SnapshotStreamReceiver), on a message
// whose payload the node refuses (Node::step), and once that member has been removed
// from the cluster; the sender then reconnects (or learns
// from the handshake's 410 that it was removed).
// Thread-safety: start() and close() may be called from any thread; the rest runs on the
// socket's executor (the strand of the session it was upgraded from).
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/http/session.hpp"
#include "server/transport/snapshot_transfer_counters.hpp"

namespace coord::node {
class Node;
}

namespace coord::transport {

// What the streams from one peer delivered, over all of them (the transport keeps one per peer
// for etcd_network_peer_received_* and _snapshot_receive_*). Relaxed atomics, bumped once per
// read; any thread.
struct PeerReceiveCounters {
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> failures{0};  // streams that ended in a read error or a refusal
  SnapshotTransferCounters snapshots;      // snapshot streams from the peer (the transport counts them)
};

class PeerStreamReceiver : public std::enable_shared_from_this<PeerStreamReceiver> {
 public:
  // `leftover`: bytes of the stream already read with the upgrade request.
  // `counters`: the sending peer's, shared with the transport.
  PeerStreamReceiver(http::UpgradedStream stream, std::string leftover, node::Node& node, std::uint64_t self_id,
                     std::uint64_t from, std::shared_ptr<PeerReceiveCounters> counters);

  void start();
  void close();
  // True once the stream has closed (or been told to).
  bool closed() const { return closing_.load(std::memory_order_relaxed); }
  // How long since bytes last arrived (or since the upgrade). Safe from any thread.
  std::chrono::steady_clock::duration idle_for() const;

  // Free space kept at the end of the buffer for each read.
  static constexpr std::size_t kReadChunk = 64 * 1024;

 private:
  void read_more();
  // Steps every complete frame in the buffer; false when the stream must close.
  bool deliver();
  void shut();

  // Constant after construction.
  node::Node& node_;
  const std::uint64_t self_id_;
  const std::uint64_t from_;
  const std::shared_ptr<PeerReceiveCounters> counters_;

  // Any thread.
  std::atomic<bool> closing_{false};
  std::atomic<std::chrono::steady_clock::rep> last_bytes_;  // steady_clock ticks

  // Executor-only state.
  http::UpgradedStream stream_;  // plain (stream_.socket) or TLS (stream_.tls)
  std::string buffer_;       // [0, filled_) received and not yet stepped
  std::size_t filled_ = 0;
  bool closed_ = false;
};

}  // namespace coord::transport
