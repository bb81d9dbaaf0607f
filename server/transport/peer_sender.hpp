// PeerSender: the outgoing half of the link to one peer. Messages are queued (bounded: when the
// queue is full new messages are dropped, Raft retransmits) and sent as batches over one
// persistent HTTP/1.1 connection, one batch in flight at a time — everything that queued up
// while a batch was on the wire goes in the next one. Reconnects with capped backoff.
// Thread-safe: send() and stop() may be called from any thread; the rest runs on its strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/raft/message.hpp"

namespace coord::transport {

// What a sender reports back (implemented by Transport, which forwards to the node).
class PeerEvents {
 public:
  virtual ~PeerEvents() = default;
  virtual void on_unreachable(std::uint64_t peer) = 0;
  virtual void on_snapshot_status(std::uint64_t peer, bool ok) = 0;
  virtual void on_removed_by_cluster() = 0;  // a peer answered 410: this member was removed
};

// Delivery figures for /v2/stats/leader. Latencies in milliseconds.
struct PeerStats {
  std::uint64_t success = 0, fail = 0;
  double latency_current = 0, latency_min = 0, latency_max = 0, latency_sum = 0, latency_sq_sum = 0;
  std::chrono::steady_clock::time_point active_since{};  // zero while not connected
};

struct PeerIdentity {
  std::uint64_t self_id = 0;
  std::uint64_t peer_id = 0;
  std::uint64_t cluster_id = 0;
};

class PeerSender : public std::enable_shared_from_this<PeerSender> {
 public:
  static constexpr std::size_t kMaxQueued = 4096;

  PeerSender(boost::asio::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
             PeerEvents& events);

  void send(raft::Message message);
  void stop();
  PeerStats stats() const;
  std::uint64_t peer_id() const { return identity_.peer_id; }

 private:
  void kick();
  void do_connect();
  void on_connect(boost::beast::error_code ec);
  void write_batch();
  void on_response(boost::beast::error_code ec, std::chrono::steady_clock::time_point sent, bool snapshot);
  void connection_failed();
  void record(bool ok, double millis);

  // Constant after construction.
  const PeerIdentity identity_;
  const std::vector<std::string> peer_urls_;  // "http://host:port"
  PeerEvents& events_;

  // Strand-only state.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer retry_timer_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::deque<raft::Message> queue_;
  std::size_t url_index_ = 0;
  std::chrono::milliseconds backoff_{50};
  bool connected_ = false;
  bool connecting_ = false;
  bool in_flight_ = false;
  bool backing_off_ = false;  // waiting for retry_timer_ before the next connect
  bool stopped_ = false;
  std::uint64_t in_flight_snapshot_to_ = 0;

  mutable std::mutex stats_mu_;
  PeerStats stats_;  // guarded by stats_mu_
};

// Splits "http://host:port[/...]" into host and port; "localhost" becomes 127.0.0.1.
bool split_url(const std::string& url, std::string& host, std::uint16_t& port);

}  // namespace coord::transport
