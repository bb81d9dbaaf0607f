#include "server/transport/snapshot_sender.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include "server/common/failpoint.hpp"
#include "server/common/hex.hpp"
#include "server/common/log.hpp"
#include "server/snap/snap_format.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {
constexpr std::chrono::seconds kConnectTimeout{1};
// Each piece must be written within this (a stalled receiver ends the send, not a total time:
// a large snapshot on a slow link takes long but keeps moving).
constexpr std::chrono::seconds kChunkTimeout{30};
// The receiver answers once it has synced the file and checked its data decodes: seconds at
// a few million keys.
constexpr std::chrono::seconds kAnswerTimeout{120};
}  // namespace

SnapshotSender::SnapshotSender(net::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
                               PeerEvents& events, std::shared_ptr<tls::ContextSource> tls, SnapshotFiles files)
    : identity_(identity),
      peer_urls_(std::move(peer_urls)),
      events_(events),
      tls_(std::move(tls)),
      files_(std::move(files)),
      strand_(net::make_strand(ioc)),
      stream_(strand_),
      upgrade_request_(upgrade_request(identity_, kSnapshotStreamPath, kSnapshotProtocol)) {}

void SnapshotSender::send(raft::Message snapshot) {
  net::post(strand_, [self = shared_from_this(), m = std::move(snapshot)]() mutable {
    if (self->stopped_ || self->busy_) return self->events_.on_snapshot_status(self->identity_.peer_id, false);
    self->start(std::move(m));
  });
}

void SnapshotSender::start(raft::Message m) {
  // A send from here on: finish() ends it, whatever path it takes.
  counters_.begin();
  started_ = std::chrono::steady_clock::now();
  busy_ = true;
  snapshot_index_ = m.snapshot.metadata.index;
  if (files_.fs == nullptr) return refused("this member keeps no snapshot files");
  // Opened now, before anything is sent, and held to the end: the file may be removed by a
  // newer snapshot's purge meanwhile, its bytes stay readable through this descriptor.
  const std::string path = join_path(files_.dir, snap::snapshot_name(m.snapshot.metadata.term, m.snapshot.metadata.index));
  auto file = files_.fs->open(path, OpenMode::kRead);
  if (!file) return refused("cannot open " + path + ": " + file.status().to_string());
  auto size = (*file)->size();
  if (!size) return refused("cannot size " + path + ": " + size.status().to_string());
  file_ = std::move(*file);
  file_bytes_ = *size;
  file_sent_ = 0;
  midway_checked_ = false;
  m.snapshot.data.clear();  // the data is the file (Raft's message has none anyway)
  chunk_ = encode_snapshot_preamble(m, file_bytes_);

  const std::string url = peer_urls_.empty() ? "" : peer_urls_[url_index_ % peer_urls_.size()];
  const auto endpoint = peer_endpoint(url);
  if (!endpoint || (is_https(url) && !tls_)) return finish(false);
  tls_connection_ = is_https(url) ? make_peer_tls(*tls_, stream_, url) : nullptr;
  stream_.expires_after(kConnectTimeout);
  stream_.async_connect(*endpoint, [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
}

void SnapshotSender::refused(const std::string& why) {
  COORD_LOG_WARN("cannot send snapshot " + std::to_string(snapshot_index_) + " to peer " + to_hex(identity_.peer_id) +
                     ": " + why,
                 log::id("peer-id", identity_.peer_id));
  finish(false);
}

void SnapshotSender::stop() {
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    beast::error_code ignored;
    self->stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    self->stream_.close();
  });
}

void SnapshotSender::on_connect(beast::error_code ec) {
  if (ec || stopped_) return finish(false);
  stream_.expires_after(kChunkTimeout);
  if (!tls_connection_) return write_upgrade(stream_, nullptr);
  tls_connection_->stream.async_handshake(net::ssl::stream_base::client,
                                          [self = shared_from_this(), keep = tls_connection_](beast::error_code e) {
                                            if (e || self->stopped_) return self->finish(false);
                                            self->write_upgrade(keep->stream, keep);
                                          });
}

// The upgrade, its answer's head (a 101 has no body), then the preamble and the file.
// `stream` lives in `self` or in `keep`, both held by the handlers.
template <class Stream>
void SnapshotSender::write_upgrade(Stream& stream, std::shared_ptr<PeerTlsConnection> keep) {
  net::async_write(stream, net::buffer(upgrade_request_), [self = shared_from_this(), keep, &stream](beast::error_code e, std::size_t) {
    if (e || self->stopped_) return self->finish(false);
    self->buffer_.clear();
    self->upgrade_answer_.emplace();
    self->upgrade_answer_->skip(true);
    bhttp::async_read_header(stream, self->buffer_, *self->upgrade_answer_,
                             [self, keep, &stream](beast::error_code e2, std::size_t) {
                               if (e2 || self->stopped_) return self->finish(false);
                               const unsigned status = self->upgrade_answer_->get().result_int();
                               if (status == 410) self->events_.on_removed_by_cluster();
                               if (status != 101) {
                                 if (status != 410)
                                   self->refused("the peer answered " + std::to_string(status) + " to the snapshot stream");
                                 else
                                   self->finish(false);
                                 return;
                               }
                               // The receiver writes nothing before its answer: nothing was read past the head.
                               self->write_next(stream, keep);
                             });
  });
}

// Writes what chunk_ holds, then reads the next piece of the file into it; after the last,
// reads the answer.
template <class Stream>
void SnapshotSender::write_next(Stream& stream, std::shared_ptr<PeerTlsConnection> keep) {
  stream_.expires_after(kChunkTimeout);
  net::async_write(stream, net::buffer(chunk_), [self = shared_from_this(), keep, &stream](beast::error_code e, std::size_t) {
    if (e || self->stopped_) return self->finish(false);
    const std::uint64_t half = self->file_bytes_ / 2;
    if (!self->midway_checked_ && self->file_sent_ == half) {
      self->midway_checked_ = true;
      if (failpoint::hit(failpoint::Point::kSnapSendMidway)) return self->finish(false);
    }
    if (self->file_sent_ == self->file_bytes_) return self->read_answer(stream, keep);
    // No piece crosses the middle of the file: the failpoint above sees exactly half sent.
    const std::uint64_t until = self->file_sent_ < half ? half : self->file_bytes_;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes, until - self->file_sent_));
    if (Status s = self->file_->read_at(self->file_sent_, n, self->chunk_); !s.is_ok())
      return self->refused("cannot read the snapshot file: " + s.to_string());
    self->file_sent_ += n;
    self->write_next(stream, keep);
  });
}

template <class Stream>
void SnapshotSender::read_answer(Stream& stream, std::shared_ptr<PeerTlsConnection> keep) {
  stream_.expires_after(kAnswerTimeout);
  chunk_.assign(kSnapshotAnswerHeadBytes, '\0');
  net::async_read(stream, net::buffer(chunk_), [self = shared_from_this(), keep, &stream](beast::error_code e, std::size_t) {
    if (e || self->stopped_) return self->finish(false);
    const auto [status, length] = decode_snapshot_answer_head(self->chunk_);
    self->chunk_.assign(std::min<std::size_t>(length, kMaxSnapshotAnswerText), '\0');
    net::async_read(stream, net::buffer(self->chunk_), [self, keep, status = status](beast::error_code e2, std::size_t) {
      if (e2 || self->stopped_) return self->finish(false);
      if (status == 410) self->events_.on_removed_by_cluster();
      if (status == 204) return self->finish(true);
      self->refused("the peer refused it (" + std::to_string(status) + "): " + self->chunk_);
    });
  });
}

void SnapshotSender::finish(bool ok) {
  if (!busy_) return;
  busy_ = false;
  file_.reset();
  std::string().swap(chunk_);  // a piece of the file: not kept between sends
  upgrade_answer_.reset();
  buffer_.clear();
  beast::error_code ignored;
  stream_.socket().close(ignored);
  tls_connection_ = nullptr;  // a handler still running holds its own reference
  if (!ok) ++url_index_;
  counters_.finish(ok, std::chrono::steady_clock::now() - started_);
  events_.on_snapshot_status(identity_.peer_id, ok);
}

}  // namespace coord::transport
