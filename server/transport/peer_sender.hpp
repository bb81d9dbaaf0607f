// PeerSender: the outgoing half of the link to one peer. Messages are queued (bounded: when the
// queue is full new messages are dropped, Raft retransmits) and written to the peer's message
// stream (peer_wire.hpp): one upgraded connection that carries frames and no answers, so each
// write takes everything queued since the last one and several may be on their way at once.
// Snapshots go to a SnapshotSender on a connection of their own; a PeerProber measures the round
// trip and the peer's clock from the start to stop(). As etcd's stream writers, the stream is
// kept open from start() to stop() whether or not there is anything to send (so a follower holds
// one to every other member, and the peer's active/disconnected figures mean the link, not the
// traffic): it is dialed at once, redialed with capped backoff whenever it breaks, and a stream
// with nothing to send carries an empty frame every kKeepalive, as etcd's link heartbeat, so that
// a peer gone without closing is noticed and the receiver sees a live stream as live. A write
// stuck for kWriteTimeout (a peer that stopped reading) drops the connection.
// To an https peer URL the connection first does a TLS handshake (PeerTlsConnection); the
// plain path writes on the socket as before.
// Thread-safe: send() and stop() may be called from any thread; the rest runs on its strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/node/peer_activity.hpp"
#include "server/raft/message.hpp"
#include "server/transport/peer_link.hpp"
#include "server/transport/peer_prober.hpp"
#include "server/transport/peer_reach_log.hpp"
#include "server/transport/snapshot_sender.hpp"

namespace coord::transport {

class PeerSender : public std::enable_shared_from_this<PeerSender> {
 public:
  static constexpr std::size_t kMaxQueued = 4096;
  static constexpr std::chrono::seconds kWriteTimeout{5};
  // An open stream idle this long gets an empty frame (checked each watchdog period, so the gap
  // is at most kKeepalive + 1 s): well under the receiver's idle eviction (transport.hpp).
  static constexpr std::chrono::seconds kKeepalive{1};
  // A peer that stays unreachable is logged again at most this often (PeerReachLog).
  static constexpr std::chrono::seconds kUnreachableRepeat{30};

  // `tls` (may be null: https peers are then unreachable) makes the client contexts.
  // `files`: where the snapshots a SnapshotSender streams are read from.
  PeerSender(boost::asio::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
             PeerEvents& events, std::shared_ptr<tls::ContextSource> tls = nullptr, SnapshotFiles files = {});

  // Dials the peer's stream (and starts the prober); call once, after construction.
  void start();
  // Queues messages for the peer, in order.
  void send(std::vector<raft::Message> messages);
  void stop();
  // Delivery figures of this link (the id is the transport's to fill in).
  node::PeerActivity stats() const;
  std::uint64_t peer_id() const { return identity_.peer_id; }

 private:
  void enqueue(raft::Message m);
  void kick();
  void do_connect();
  void on_connect(boost::beast::error_code ec);
  void send_upgrade();
  void tls_failed(const boost::beast::error_code& ec);
  void on_handshake(boost::beast::error_code ec);
  void watch_for_close();
  // Writes everything queued as one frame; with nothing queued, an empty frame (a keepalive).
  void write_frame();
  void arm_watchdog();
  void connection_failed();
  void record(bool ok, double millis, std::size_t bytes);
  // Logs what reach_log_ says of an attempt that reached the peer or failed to.
  void log_reachability(bool reachable);

  // Constant after construction.
  const PeerIdentity identity_;
  const std::vector<std::string> peer_urls_;  // "http://host:port"
  PeerEvents& events_;
  const std::shared_ptr<tls::ContextSource> tls_;
  const std::shared_ptr<SnapshotSender> snapshots_;
  const std::shared_ptr<PeerProber> prober_;

  // Strand-only state.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::beast::tcp_stream stream_;
  std::shared_ptr<PeerTlsConnection> tls_connection_;  // the current connection's TLS layer, if https
  std::string last_tls_error_;  // logged once until it changes
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer watchdog_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::empty_body>> handshake_;
  std::string handshake_request_;
  std::string frame_;          // the frame being written
  char close_probe_[1];        // target of the read that notices the peer closing the stream
  std::deque<raft::Message> queue_;
  std::uint64_t generation_ = 0;  // bumped per connection: late handlers of an old one are ignored
  std::size_t url_index_ = 0;
  std::chrono::milliseconds backoff_{50};
  std::chrono::steady_clock::time_point write_started_;
  std::chrono::steady_clock::time_point last_write_done_;  // or the stream's opening
  bool open_ = false;          // handshake done: frames may be written
  bool connecting_ = false;    // connect or handshake in progress
  bool writing_ = false;
  bool backing_off_ = false;   // waiting for retry_timer_ before the next connect
  bool watchdog_armed_ = false;
  bool stopped_ = false;
  PeerReachLog reach_log_{kUnreachableRepeat, PeerReachLog::Clock::now()};

  mutable std::mutex stats_mu_;
  node::PeerActivity stats_;  // guarded by stats_mu_
};

}  // namespace coord::transport
