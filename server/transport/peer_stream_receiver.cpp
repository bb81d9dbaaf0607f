#include "server/transport/peer_stream_receiver.hpp"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <cstdio>
#include <cstring>

#include "server/common/log.hpp"
#include "server/common/hex.hpp"
#include "server/node/node.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {

namespace net = boost::asio;

PeerStreamReceiver::PeerStreamReceiver(http::UpgradedStream stream, std::string leftover, node::Node& node,
                                       std::uint64_t self_id, std::uint64_t from,
                                       std::shared_ptr<PeerReceiveCounters> counters)
    : node_(node),
      self_id_(self_id),
      from_(from),
      counters_(std::move(counters)),
      last_bytes_(std::chrono::steady_clock::now().time_since_epoch().count()),
      stream_(std::move(stream)),
      buffer_(std::move(leftover)) {
  filled_ = buffer_.size();
}

std::chrono::steady_clock::duration PeerStreamReceiver::idle_for() const {
  const std::chrono::steady_clock::duration last(last_bytes_.load(std::memory_order_relaxed));
  return std::chrono::steady_clock::now().time_since_epoch() - last;
}

void PeerStreamReceiver::start() {
  net::dispatch(stream_.socket.get_executor(), [self = shared_from_this()] {
    if (!self->deliver()) return self->shut();  // the leftover may already hold frames
    self->read_more();
  });
}

void PeerStreamReceiver::close() {
  closing_.store(true, std::memory_order_relaxed);
  net::dispatch(stream_.socket.get_executor(), [self = shared_from_this()] { self->shut(); });
}

void PeerStreamReceiver::read_more() {
  if (closed_) return;
  if (buffer_.size() - filled_ < kReadChunk) buffer_.resize(filled_ + kReadChunk);
  auto space = net::buffer(buffer_.data() + filled_, buffer_.size() - filled_);
  auto received = [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
    if (ec || self->closed_) {
      if (ec && !self->closing_.load(std::memory_order_relaxed)) self->counters_->failures.fetch_add(1, std::memory_order_relaxed);
      return self->shut();  // the sender reconnects
    }
    self->counters_->bytes.fetch_add(n, std::memory_order_relaxed);
    self->filled_ += n;
    self->last_bytes_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    if (!self->deliver()) {
      self->counters_->failures.fetch_add(1, std::memory_order_relaxed);
      return self->shut();
    }
    self->read_more();
  };
  if (stream_.tls) return stream_.tls->async_read_some(space, std::move(received));
  stream_.socket.async_read_some(space, std::move(received));
}

bool PeerStreamReceiver::deliver() {
  auto frames = decode_stream_frames(std::string_view(buffer_.data(), filled_));
  if (!frames) {
    COORD_LOG_WARN("peer " + to_hex(from_) + ": " + frames.status().to_string() + "; closing its stream");
    return false;
  }
  if (frames->consumed > 0) {
    // Keep the partial frame at the end (if any) for the next read.
    std::memmove(buffer_.data(), buffer_.data() + frames->consumed, filled_ - frames->consumed);
    filled_ -= frames->consumed;
  }
  if (frames->messages.empty()) return true;
  // A snapshot travels on its own stream, its file received before its message is stepped.
  const bool foreign = std::any_of(frames->messages.begin(), frames->messages.end(), [&](const raft::Message& m) {
    return m.to != self_id_ || m.from != from_ || m.type == raft::MessageType::kSnap;
  });
  if (foreign || node_.is_removed(from_)) return false;
  if (Status refused = node_.step(std::move(frames->messages)); !refused.is_ok()) {
    // The rest of the frames were stepped; a sender of such messages is not to be read on.
    COORD_LOG_WARN("peer " + to_hex(from_) + ": " + refused.to_string() + "; closing its stream");
    return false;
  }
  return true;
}

void PeerStreamReceiver::shut() {
  if (closed_) return;
  closed_ = true;
  closing_.store(true, std::memory_order_relaxed);
  boost::system::error_code ignored;
  auto& socket = stream_.tls ? stream_.tls->next_layer().socket() : stream_.socket;
  socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace coord::transport
