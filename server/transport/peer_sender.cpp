#include "server/common/hex.hpp"
#include "server/transport/peer_sender.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <cstdio>

#include "server/raft/codec.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

constexpr std::chrono::milliseconds kMaxBackoff{1000};
constexpr std::chrono::seconds kRequestTimeout{5};
constexpr std::chrono::seconds kSnapshotTimeout{120};

}  // namespace

bool split_url(const std::string& url, std::string& host, std::uint16_t& port) {
  auto sep = url.find("://");
  std::string rest = sep == std::string::npos ? url : url.substr(sep + 3);
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  host = rest.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  const std::string p = rest.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

PeerSender::PeerSender(net::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
                       PeerEvents& events)
    : identity_(identity),
      peer_urls_(std::move(peer_urls)),
      events_(events),
      strand_(net::make_strand(ioc)),
      stream_(strand_),
      retry_timer_(strand_) {}

void PeerSender::send(raft::Message message) {
  net::post(strand_, [self = shared_from_this(), m = std::move(message)]() mutable {
    if (self->stopped_) return;
    if (self->queue_.size() >= kMaxQueued) {
      // Dropping is safe: Raft retransmits appends and resends heartbeats. A dropped snapshot
      // must be reported, or the leader would wait for it forever.
      if (m.type == raft::MessageType::kSnap) self->events_.on_snapshot_status(self->identity_.peer_id, false);
      return;
    }
    self->queue_.push_back(std::move(m));
    self->kick();
  });
}

void PeerSender::stop() {
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->queue_.clear();
    self->retry_timer_.cancel();
    beast::error_code ignored;
    self->stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    self->stream_.close();
  });
}

PeerStats PeerSender::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void PeerSender::kick() {
  if (stopped_ || in_flight_ || connecting_ || backing_off_ || queue_.empty()) return;
  if (!connected_) return do_connect();
  write_batch();
}

void PeerSender::do_connect() {
  if (peer_urls_.empty()) return;
  std::string host;
  std::uint16_t port = 0;
  const std::string& url = peer_urls_[url_index_ % peer_urls_.size()];
  boost::system::error_code ec;
  if (!split_url(url, host, port)) return connection_failed();
  auto address = net::ip::make_address(host, ec);
  if (ec) return connection_failed();
  connecting_ = true;
  stream_.expires_after(std::chrono::seconds(1));
  stream_.async_connect(net::ip::tcp::endpoint(address, port),
                        [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
}

void PeerSender::on_connect(beast::error_code ec) {
  connecting_ = false;
  if (stopped_) return;
  if (ec) return connection_failed();
  beast::error_code ignored;
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ignored);
  connected_ = true;
  backoff_ = std::chrono::milliseconds(50);
  {
    std::lock_guard lock(stats_mu_);
    stats_.active_since = std::chrono::steady_clock::now();
  }
  kick();
}

void PeerSender::write_batch() {
  std::vector<std::string> encoded;
  std::size_t bytes = 0;
  bool snapshot = false;
  in_flight_snapshot_to_ = 0;
  if (queue_.front().type == raft::MessageType::kSnap) {
    snapshot = true;
    encoded.push_back(raft::encode(queue_.front()));
    queue_.pop_front();
  } else {
    while (!queue_.empty() && queue_.front().type != raft::MessageType::kSnap &&
           (encoded.empty() || bytes < kMaxBatchBytes)) {
      encoded.push_back(raft::encode(queue_.front()));
      bytes += encoded.back().size();
      queue_.pop_front();
    }
  }
  request_ = {bhttp::verb::post, "/raft", 11};
  request_.set(bhttp::field::host, "coordd");
  request_.set(bhttp::field::content_type, "application/octet-stream");
  request_.set("X-Etcd-Cluster-Id", to_hex(identity_.cluster_id));
  request_.set("X-Server-From", to_hex(identity_.self_id));
  request_.keep_alive(true);
  request_.body() = encode_batch(encoded);
  request_.prepare_payload();
  in_flight_ = true;
  const auto sent = std::chrono::steady_clock::now();
  stream_.expires_after(snapshot ? kSnapshotTimeout : kRequestTimeout);
  bhttp::async_write(stream_, request_, [self = shared_from_this(), sent, snapshot](beast::error_code ec, std::size_t) {
    if (ec) return self->on_response(ec, sent, snapshot);
    self->response_ = {};
    bhttp::async_read(self->stream_, self->buffer_, self->response_,
                      [self, sent, snapshot](beast::error_code e, std::size_t) { self->on_response(e, sent, snapshot); });
  });
}

void PeerSender::on_response(beast::error_code ec, std::chrono::steady_clock::time_point sent, bool snapshot) {
  in_flight_ = false;
  if (stopped_) return;
  const double millis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
  const unsigned status = ec ? 0 : response_.result_int();
  if (snapshot) events_.on_snapshot_status(identity_.peer_id, status == 204);
  if (status == 410) {
    events_.on_removed_by_cluster();
    stopped_ = true;
    return;
  }
  if (ec || status != 204) {
    record(false, millis);
    if (!ec && status == 412)
      std::fprintf(stderr, "coordd: peer %s belongs to another cluster; not sending to it\n", to_hex(identity_.peer_id).c_str());
    return connection_failed();
  }
  record(true, millis);
  if (!response_.keep_alive()) {
    connected_ = false;
    stream_.close();
  }
  kick();
}

void PeerSender::connection_failed() {
  connected_ = false;
  connecting_ = false;
  {
    std::lock_guard lock(stats_mu_);
    stats_.active_since = {};
  }
  beast::error_code ignored;
  stream_.socket().close(ignored);
  buffer_.clear();
  ++url_index_;
  events_.on_unreachable(identity_.peer_id);
  // Messages queued for a peer that is down are stale by the time it is back; Raft resends
  // what is still needed once the peer answers again.
  for (const auto& m : queue_)
    if (m.type == raft::MessageType::kSnap) events_.on_snapshot_status(identity_.peer_id, false);
  queue_.clear();
  backing_off_ = true;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    self->backing_off_ = false;
    if (!ec && !self->stopped_) self->kick();
  });
}

void PeerSender::record(bool ok, double millis) {
  std::lock_guard lock(stats_mu_);
  if (!ok) {
    ++stats_.fail;
    return;
  }
  ++stats_.success;
  stats_.latency_current = millis;
  stats_.latency_min = stats_.success == 1 ? millis : std::min(stats_.latency_min, millis);
  stats_.latency_max = std::max(stats_.latency_max, millis);
  stats_.latency_sum += millis;
  stats_.latency_sq_sum += millis * millis;
}

}  // namespace coord::transport
