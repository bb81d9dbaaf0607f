#include "server/transport/snapshot_stream_receiver.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "server/common/hex.hpp"
#include "server/common/log.hpp"
#include "server/node/node.hpp"
#include "server/node/peer_payload_check.hpp"
#include "server/raft/message_check.hpp"
#include "server/snap/snapshot_image.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {

namespace net = boost::asio;

SnapshotStreamReceiver::SnapshotStreamReceiver(http::UpgradedStream stream, std::string leftover, node::Node& node,
                                               std::uint64_t self_id, std::uint64_t from, SnapshotFiles files,
                                               std::shared_ptr<SnapshotTransfer> transfer, std::shared_ptr<void> slot,
                                               net::any_io_executor image_checks)
    : node_(node),
      self_id_(self_id),
      from_(from),
      files_(std::move(files)),
      transfer_(std::move(transfer)),
      image_checks_(std::move(image_checks)),
      stream_(std::move(stream)),
      timer_(stream_.socket.get_executor()),
      buffer_(std::move(leftover)),
      slot_(std::move(slot)) {}

void SnapshotStreamReceiver::start() {
  net::dispatch(stream_.socket.get_executor(), [self = shared_from_this()] {
    if (self->consume()) self->read_more();
  });
}

void SnapshotStreamReceiver::close() {
  net::dispatch(stream_.socket.get_executor(), [self = shared_from_this()] { self->shut(); });
}

void SnapshotStreamReceiver::arm_timer() {
  timer_.expires_after(kIdleTimeout);
  timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      COORD_LOG_WARN("snapshot from peer " + to_hex(self->from_) + ": nothing came for " +
                     std::to_string(kIdleTimeout.count()) + " s; dropped");
      self->shut();
    }
  });
}

void SnapshotStreamReceiver::read_more() {
  if (ended_) return;
  // At most what is still expected: bytes past the file are not this stream's to read.
  std::size_t want = kReadChunk;
  if (file_) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, file_->remaining()));
  if (want == 0) want = 1;
  const std::size_t at = buffer_.size();
  buffer_.resize(at + want);
  arm_timer();
  auto received = [self = shared_from_this(), at](boost::system::error_code ec, std::size_t n) {
    self->timer_.cancel();
    self->buffer_.resize(at + (ec ? 0 : n));
    if (ec || self->ended_) return self->shut();  // cut off: the file receiver removes its temp file
    if (self->consume()) self->read_more();
  };
  auto space = net::buffer(buffer_.data() + at, want);
  if (stream_.tls) return stream_.tls->async_read_some(space, std::move(received));
  stream_.socket.async_read_some(space, std::move(received));
}

bool SnapshotStreamReceiver::consume() {
  if (ended_) return false;
  if (!have_preamble_) {
    auto preamble = decode_snapshot_preamble(buffer_);
    if (!preamble) {
      answer(400, preamble.status().message());
      return false;
    }
    if (!preamble->has_value()) {
      // The preamble is small: a buffer past its largest size is no preamble.
      if (buffer_.size() > 4 + kMaxSnapshotMessageBytes + 8) {
        answer(400, "snapshot stream: preamble too large");
        return false;
      }
      return true;
    }
    message_ = std::move((*preamble)->message);
    const std::uint64_t file_bytes = (*preamble)->file_bytes;
    buffer_.erase(0, (*preamble)->consumed);
    have_preamble_ = true;
    if (message_.to != self_id_ || message_.from != from_) {
      answer(400, "snapshot message not from the sender or not to us");
      return false;
    }
    if (node_.is_removed(from_)) {
      answer(410, "member removed");
      return false;
    }
    if (Status s = raft::check_network_message(message_); !s.is_ok()) {
      answer(400, s.message());
      return false;
    }
    auto file = snap::SnapshotFileReceiver::begin(*files_.fs, files_.dir, message_.snapshot.metadata, file_bytes);
    if (!file) {
      answer(400, file.status().message());
      return false;
    }
    file_ = std::move(*file);
  }
  if (!buffer_.empty()) {
    if (buffer_.size() > file_->remaining()) {
      answer(400, "snapshot stream: bytes past the announced file");
      return false;
    }
    if (Status s = file_->append(buffer_); !s.is_ok()) {
      answer(400, s.message());
      return false;
    }
    buffer_.clear();
  }
  if (file_->remaining() > 0) return true;
  complete();
  return false;
}

void SnapshotStreamReceiver::complete() {
  // Before the rename: a file whose data would not install never becomes a snapshot file. The
  // check decodes the whole image (0.2 s for a million keys, seconds for ten million), which on
  // an io thread would hold up every session and peer stream queued behind it; the state it
  // decodes goes to the node with the message, so the install does not decode it again.
  // Nothing is read meanwhile (the file is complete); a shut() in between removes the temp
  // file, and the outcome is then dropped (install() sees ended_).
  net::post(image_checks_, [self = shared_from_this(), fs = files_.fs, path = file_->temp_path(),
                            point = message_.snapshot.metadata] {
    std::uint64_t data_bytes = 0;
    auto decoded = std::make_shared<Decoded>([&]() -> Decoded {
      // Mapped, not copied (the state it builds is the cost).
      auto image = snap::SnapshotImage::open(*fs, path, point);
      if (!image) return image.status();
      data_bytes = image->data().size();
      return node::decode_received_snapshot(image->data());
    }());
    net::dispatch(self->stream_.socket.get_executor(),
                  [self, decoded, data_bytes] { self->install(decoded, data_bytes); });
  });
}

void SnapshotStreamReceiver::install(const std::shared_ptr<Decoded>& decoded, std::uint64_t data_bytes) {
  // A state not handed to the node is a whole tree: it is moved to image_checks_ to be freed
  // there, not here on an io thread (after a hand-over, what is moved is empty).
  struct FreeElsewhere {
    const std::shared_ptr<Decoded>& decoded;
    const boost::asio::any_io_executor& where;
    ~FreeElsewhere() {
      if (decoded->is_ok()) net::post(where, [gone = std::move(**decoded)] {});
    }
  } free_elsewhere{decoded, image_checks_};
  if (ended_) return;
  if (!decoded->is_ok()) return answer(400, decoded->status().message());
  const raft::SnapshotMetadata point = message_.snapshot.metadata;
  if (Status s = file_->finish(); !s.is_ok()) return answer(400, s.message());
  file_.reset();
  if (Status refused = node_.step_snapshot(std::move(message_), std::move(**decoded), data_bytes); !refused.is_ok())
    return answer(400, refused.message());
  transfer_->finish(true);
  COORD_LOG_INFO("received snapshot " + std::to_string(point.index) + " from peer " + to_hex(from_),
                 log::id("peer-id", from_));
  answer(204, "");
}

void SnapshotStreamReceiver::answer(std::uint16_t status, const std::string& text) {
  if (ended_) return;
  ended_ = true;
  file_.reset();  // a refused file's temp file goes now
  // The transfer is over: the next may start while this answer is written and the connection
  // lingers (the sender sees the answer, then our half-close, and may open the next at once).
  transfer_->finish(false);  // a no-op after a success
  slot_.reset();
  if (status != 204)
    COORD_LOG_WARN("refused snapshot from peer " + to_hex(from_) + ": " + text, log::id("peer-id", from_));
  answer_ = encode_snapshot_answer(status, text);
  arm_timer();
  auto written = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    self->timer_.cancel();
    if (ec) return self->shut();
    self->drain();
  };
  if (stream_.tls) return net::async_write(*stream_.tls, net::buffer(answer_), std::move(written));
  net::async_write(stream_.socket, net::buffer(answer_), std::move(written));
}

// After the answer: what the sender still writes (the rest of a refused file) is read and
// dropped until it closes, for kLingerTimeout at most. Closing with unread bytes would reset
// the connection, and a reset may destroy the answer before the sender reads it.
void SnapshotStreamReceiver::drain() {
  if (closed_) return;
  if (!draining_) {
    draining_ = true;
    boost::system::error_code ignored;
    auto& socket = stream_.tls ? stream_.tls->next_layer().socket() : stream_.socket;
    if (!stream_.tls) socket.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    timer_.expires_after(kLingerTimeout);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->shut();
    });
  }
  buffer_.resize(kReadChunk);
  auto dropped = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (ec) return self->shut();
    self->drain();
  };
  auto space = net::buffer(buffer_.data(), buffer_.size());
  if (stream_.tls) return stream_.tls->async_read_some(space, std::move(dropped));
  stream_.socket.async_read_some(space, std::move(dropped));
}

void SnapshotStreamReceiver::shut() {
  ended_ = true;
  file_.reset();
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  transfer_->finish(false);  // a no-op after a success
  slot_.reset();             // before the close the sender may see
  boost::system::error_code ignored;
  auto& socket = stream_.tls ? stream_.tls->next_layer().socket() : stream_.socket;
  socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace coord::transport
