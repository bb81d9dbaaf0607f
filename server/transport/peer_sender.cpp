#include "server/transport/peer_sender.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdio>

#include "server/common/failpoint.hpp"
#include "server/common/hex.hpp"
#include "server/common/log.hpp"
#include "server/raft/codec.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

constexpr std::chrono::milliseconds kMaxBackoff{1000};
constexpr std::chrono::seconds kHandshakeTimeout{2};
constexpr std::chrono::seconds kWatchdogPeriod{1};

// Wall time for the prober's clock comparisons.
const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace

PeerSender::PeerSender(net::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
                       PeerEvents& events, std::shared_ptr<tls::ContextSource> tls, SnapshotFiles files)
    : identity_(identity),
      peer_urls_(std::move(peer_urls)),
      events_(events),
      tls_(std::move(tls)),
      snapshots_(std::make_shared<SnapshotSender>(ioc, identity, peer_urls_, events, tls_, std::move(files))),
      prober_(std::make_shared<PeerProber>(ioc, identity.peer_id, peer_urls_, tls_, system_clock(),
                                           [](const std::string& line) { COORD_LOG_WARN(line); })),
      strand_(net::make_strand(ioc)),
      stream_(strand_),
      retry_timer_(strand_),
      watchdog_(strand_),
      handshake_request_(upgrade_request(identity, kStreamPath, kStreamProtocol)) {}

void PeerSender::start() {
  prober_->start();
  net::post(strand_, [self = shared_from_this()] { self->kick(); });
}

void PeerSender::send(std::vector<raft::Message> messages) {
  net::post(strand_, [self = shared_from_this(), ms = std::move(messages)]() mutable {
    if (self->stopped_) return;
    for (auto& m : ms) self->enqueue(std::move(m));
    self->kick();
  });
}

void PeerSender::enqueue(raft::Message m) {
  if (m.type == raft::MessageType::kSnap) return snapshots_->send(std::move(m));
  // Dropping is safe: Raft retransmits appends and resends heartbeats.
  if (queue_.size() < kMaxQueued) return queue_.push_back(std::move(m));
  std::lock_guard lock(stats_mu_);
  ++stats_.sent_failures;
  if (m.type == raft::MessageType::kHeartbeat) ++stats_.heartbeat_send_failures;
}

void PeerSender::stop() {
  snapshots_->stop();
  prober_->stop();
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->queue_.clear();
    self->retry_timer_.cancel();
    self->watchdog_.cancel();
    beast::error_code ignored;
    self->stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    self->stream_.close();
  });
}

node::PeerActivity PeerSender::stats() const {
  node::PeerActivity a;
  {
    std::lock_guard lock(stats_mu_);
    a = stats_;
  }
  a.snapshots_sent = snapshots_->figures();
  a.round_trips = prober_->round_trips();
  return a;
}

void PeerSender::kick() {
  // Invariant: from start() to stop() the stream is open, being opened, or waiting to be.
  if (stopped_ || connecting_ || backing_off_) return;
  if (!open_) return do_connect();
  if (!writing_ && !queue_.empty()) write_frame();
}

void PeerSender::do_connect() {
  if (peer_urls_.empty()) return;
  const std::string& url = peer_urls_[url_index_ % peer_urls_.size()];
  const auto endpoint = peer_endpoint(url);
  if (!endpoint || (is_https(url) && !tls_)) return connection_failed();
  connecting_ = true;
  ++generation_;
  // A new TLS layer per connection; handlers of an old one keep theirs alive until they run.
  tls_connection_ = is_https(url) ? make_peer_tls(*tls_, stream_, url) : nullptr;
  stream_.expires_after(kHandshakeTimeout);
  stream_.async_connect(*endpoint, [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
}

void PeerSender::on_connect(beast::error_code ec) {
  if (stopped_) return;
  if (ec) return connection_failed();
  beast::error_code ignored;
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ignored);
  if (!tls_connection_) return send_upgrade();
  tls_connection_->stream.async_handshake(
      net::ssl::stream_base::client, [self = shared_from_this(), keep = tls_connection_](beast::error_code e) {
        if (self->stopped_ || keep != self->tls_connection_) return;
        if (e) return self->tls_failed(e);
        self->send_upgrade();
      });
}

void PeerSender::tls_failed(const beast::error_code& ec) {
  if (ec.message() != last_tls_error_) {
    last_tls_error_ = ec.message();
    COORD_LOG_WARN("TLS handshake with peer " + to_hex(identity_.peer_id) + " failed: " + last_tls_error_,
                   log::id("peer-id", identity_.peer_id));
  }
  connection_failed();
}

void PeerSender::send_upgrade() {
  auto on_written = [self = shared_from_this(), keep = tls_connection_](beast::error_code e, std::size_t) {
    if (self->stopped_) return;
    if (e) return self->connection_failed();
    self->buffer_.clear();
    self->handshake_.emplace();
    self->handshake_->skip(true);  // a 101 has no body; an error answer's body is not needed
    auto on_header = [self, keep](beast::error_code e2, std::size_t) {
      // With TLS 1.3 a server that refuses this member's certificate says so only now.
      if (e2 && keep && e2.category() == net::error::get_ssl_category()) return self->tls_failed(e2);
      self->on_handshake(e2);
    };
    if (keep) return bhttp::async_read_header(keep->stream, self->buffer_, *self->handshake_, std::move(on_header));
    bhttp::async_read_header(self->stream_, self->buffer_, *self->handshake_, std::move(on_header));
  };
  if (tls_connection_)
    return net::async_write(tls_connection_->stream, net::buffer(handshake_request_), std::move(on_written));
  net::async_write(stream_, net::buffer(handshake_request_), std::move(on_written));
}

void PeerSender::on_handshake(beast::error_code ec) {
  if (stopped_) return;
  if (ec) return connection_failed();
  const unsigned status = handshake_->get().result_int();
  if (status == 410) {
    events_.on_removed_by_cluster();
    stopped_ = true;
    return;
  }
  if (status != 101) {
    if (status == 412)
      COORD_LOG_WARN("peer " + to_hex(identity_.peer_id) + " belongs to another cluster; not sending to it",
                     log::id("peer-id", identity_.peer_id));
    return connection_failed();
  }
  connecting_ = false;
  open_ = true;
  last_tls_error_.clear();
  backoff_ = std::chrono::milliseconds(50);
  last_write_done_ = std::chrono::steady_clock::now();
  stream_.expires_never();  // writes are watched by the watchdog: no timer per write
  {
    std::lock_guard lock(stats_mu_);
    stats_.active_since = std::chrono::steady_clock::now();
  }
  log_reachability(true);
  watch_for_close();
  arm_watchdog();
  kick();
}

void PeerSender::watch_for_close() {
  // The receiver never writes: a read that completes means the stream is gone.
  auto closed = [self = shared_from_this(), gen = generation_, keep = tls_connection_](beast::error_code, std::size_t) {
    if (self->stopped_ || gen != self->generation_ || !self->open_) return;
    self->connection_failed();
  };
  if (tls_connection_) return tls_connection_->stream.async_read_some(net::buffer(close_probe_), std::move(closed));
  stream_.socket().async_read_some(net::buffer(close_probe_), std::move(closed));
}

void PeerSender::write_frame() {
  const bool keepalive = queue_.empty();
  // An injected send error breaks the connection as a failed write would (its queue is dropped).
  if (!keepalive && failpoint::hit(failpoint::Point::kBeforeSend)) return connection_failed();
  std::vector<std::string> encoded;
  std::size_t bytes = 0;
  while (!queue_.empty() && (encoded.empty() || bytes < kMaxBatchBytes)) {
    encoded.push_back(raft::encode(queue_.front()));
    bytes += encoded.back().size();
    queue_.pop_front();
  }
  frame_.clear();
  append_stream_frame(frame_, encoded);
  writing_ = true;
  write_started_ = std::chrono::steady_clock::now();
  auto written = [self = shared_from_this(), gen = generation_, keep = tls_connection_, keepalive](
                     beast::error_code ec, std::size_t) {
    if (gen != self->generation_) return;
    self->writing_ = false;
    if (self->stopped_) return;
    const auto now = std::chrono::steady_clock::now();
    const double millis = std::chrono::duration<double, std::milli>(now - self->write_started_).count();
    if (ec) {
      self->record(false, millis, 0);
      return self->connection_failed();
    }
    self->last_write_done_ = now;
    if (keepalive) {
      // As etcd's link heartbeat: its bytes count as sent, but it is no delivery (no latency).
      std::lock_guard lock(self->stats_mu_);
      self->stats_.sent_bytes += self->frame_.size();
    } else {
      self->record(true, millis, self->frame_.size());
    }
    self->kick();
  };
  if (tls_connection_) return net::async_write(tls_connection_->stream, net::buffer(frame_), std::move(written));
  net::async_write(stream_.socket(), net::buffer(frame_), std::move(written));
}

void PeerSender::arm_watchdog() {
  if (watchdog_armed_ || stopped_) return;
  watchdog_armed_ = true;
  watchdog_.expires_after(kWatchdogPeriod);
  watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
    self->watchdog_armed_ = false;
    if (ec || self->stopped_ || !self->open_) return;
    const auto now = std::chrono::steady_clock::now();
    if (self->writing_ && now - self->write_started_ > kWriteTimeout) {
      // The peer stopped reading (frozen, or its queue is full): start over on a new connection.
      return self->connection_failed();
    }
    if (!self->writing_ && now - self->last_write_done_ >= kKeepalive) self->write_frame();
    self->arm_watchdog();
  });
}

void PeerSender::connection_failed() {
  ++generation_;  // handlers of this connection that are still queued find it gone
  {
    std::lock_guard lock(stats_mu_);
    stats_.active_since = {};
    if (open_) ++stats_.disconnects;
    stats_.sent_failures += queue_.size();  // cleared below, never sent
    stats_.heartbeat_send_failures += std::count_if(queue_.begin(), queue_.end(), [](const raft::Message& m) {
      return m.type == raft::MessageType::kHeartbeat;
    });
  }
  open_ = false;
  connecting_ = false;
  writing_ = false;
  beast::error_code ignored;
  stream_.socket().close(ignored);
  buffer_.clear();
  ++url_index_;
  log_reachability(false);
  events_.on_unreachable(identity_.peer_id);
  // Messages queued for a peer that is down are stale by the time it is back; Raft resends
  // what is still needed once the peer answers again.
  queue_.clear();
  backing_off_ = true;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    self->backing_off_ = false;
    if (!ec && !self->stopped_) self->kick();
  });
}

void PeerSender::log_reachability(bool reachable) {
  const auto peer = log::id("peer-id", identity_.peer_id);  // etcd's words (rafthttp)
  const auto decision = reach_log_.on_attempt(reachable, PeerReachLog::Clock::now());
  switch (decision.line) {
    case PeerReachLog::Line::kNone:
      break;
    case PeerReachLog::Line::kBecameActive:
      COORD_LOG_INFO("peer became active", peer);
      break;
    case PeerReachLog::Line::kBecameInactive:
      COORD_LOG_WARN("peer became inactive (message send to peer failed)", peer,
                     {"peer-urls", peer_urls_.empty() ? "" : peer_urls_.front()});
      break;
    case PeerReachLog::Line::kNotActiveYet:
    case PeerReachLog::Line::kStillInactive:
      COORD_LOG_WARN(decision.line == PeerReachLog::Line::kNotActiveYet ? "peer not active yet" : "peer still inactive",
                     peer, log::duration("since-last-report", decision.since_last_report));
      break;
  }
}

void PeerSender::record(bool ok, double millis, std::size_t bytes) {
  std::lock_guard lock(stats_mu_);
  if (!ok) {
    ++stats_.fail;
    return;
  }
  ++stats_.success;
  stats_.sent_bytes += bytes;
  stats_.latency_current = millis;
  stats_.latency_min = stats_.success == 1 ? millis : std::min(stats_.latency_min, millis);
  stats_.latency_max = std::max(stats_.latency_max, millis);
  stats_.latency_sum += millis;
  stats_.latency_sq_sum += millis * millis;
}

}  // namespace coord::transport
