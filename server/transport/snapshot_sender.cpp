#include "server/transport/snapshot_sender.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server/common/failpoint.hpp"
#include "server/common/hex.hpp"
#include "server/raft/codec.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {
constexpr std::chrono::seconds kConnectTimeout{1};
constexpr std::chrono::seconds kSnapshotTimeout{120};
}  // namespace

SnapshotSender::SnapshotSender(net::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
                               PeerEvents& events, std::shared_ptr<tls::ContextSource> tls)
    : identity_(identity),
      peer_urls_(std::move(peer_urls)),
      events_(events),
      tls_(std::move(tls)),
      strand_(net::make_strand(ioc)),
      stream_(strand_) {}

void SnapshotSender::send(raft::Message snapshot) {
  net::post(strand_, [self = shared_from_this(), m = std::move(snapshot)]() mutable {
    if (self->stopped_ || self->busy_) return self->events_.on_snapshot_status(self->identity_.peer_id, false);
    // A send from here on: finish() ends it, whatever path it takes.
    self->counters_.begin();
    self->started_ = std::chrono::steady_clock::now();
    const std::string url = self->peer_urls_.empty() ? "" : self->peer_urls_[self->url_index_ % self->peer_urls_.size()];
    const auto endpoint = peer_endpoint(url);
    if (!endpoint || (is_https(url) && !self->tls_)) return self->finish(false);
    self->tls_connection_ = is_https(url) ? make_peer_tls(*self->tls_, self->stream_, url) : nullptr;
    self->busy_ = true;
    self->request_ = {bhttp::verb::post, std::string(kSnapshotPath), 11};
    self->request_.set(bhttp::field::host, "coordd");
    self->request_.set(bhttp::field::content_type, "application/octet-stream");
    self->request_.set("X-Etcd-Cluster-Id", to_hex(self->identity_.cluster_id));
    self->request_.set("X-Server-From", to_hex(self->identity_.self_id));
    self->request_.keep_alive(false);
    self->request_.body() = encode_batch({raft::encode(m)});
    self->request_.prepare_payload();
    self->stream_.expires_after(kConnectTimeout);
    self->stream_.async_connect(*endpoint, [self](beast::error_code e) { self->on_connect(e); });
  });
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
  stream_.expires_after(kSnapshotTimeout);
  if (!tls_connection_) return write_request();
  tls_connection_->stream.async_handshake(net::ssl::stream_base::client,
                                          [self = shared_from_this(), keep = tls_connection_](beast::error_code e) {
                                            if (e || self->stopped_) return self->finish(false);
                                            self->write_request();
                                          });
}

void SnapshotSender::write_request() {
  head_writer_.emplace(request_);
  auto on_head = [self = shared_from_this(), keep = tls_connection_](beast::error_code e, std::size_t) {
    if (e) return self->finish(false);
    if (keep) return self->write_body(keep->stream, keep);
    self->write_body(self->stream_, keep);
  };
  if (tls_connection_) return bhttp::async_write_header(tls_connection_->stream, *head_writer_, std::move(on_head));
  bhttp::async_write_header(stream_, *head_writer_, std::move(on_head));
}

// The body goes raw after the head (its Content-Length is set, no chunking), in two halves.
// `stream` lives in `self` or in `keep`, both held by the handlers.
template <class Stream>
void SnapshotSender::write_body(Stream& stream, std::shared_ptr<PeerTlsConnection> keep) {
  const std::string& body = request_.body();
  const std::size_t half = body.size() / 2;
  net::async_write(stream, net::buffer(body.data(), half),
                   [self = shared_from_this(), keep, &stream, &body, half](beast::error_code e, std::size_t) {
                     if (e) return self->finish(false);
                     if (failpoint::hit(failpoint::Point::kSnapSendMidway)) return self->finish(false);
                     net::async_write(stream, net::buffer(body.data() + half, body.size() - half),
                                      [self, keep, &stream](beast::error_code e2, std::size_t) {
                                        if (e2) return self->finish(false);
                                        self->read_response(stream, keep);
                                      });
                   });
}

template <class Stream>
void SnapshotSender::read_response(Stream& stream, std::shared_ptr<PeerTlsConnection> keep) {
  response_ = {};
  bhttp::async_read(stream, buffer_, response_,
                    [self = shared_from_this(), keep](beast::error_code e, std::size_t) { self->on_response(e); });
}

void SnapshotSender::on_response(beast::error_code ec) {
  const unsigned status = ec ? 0 : response_.result_int();
  if (status == 410 && !stopped_) events_.on_removed_by_cluster();
  finish(status == 204);
}

void SnapshotSender::finish(bool ok) {
  busy_ = false;
  head_writer_.reset();  // it refers to request_
  request_ = {};  // a snapshot can be large: do not keep its bytes
  buffer_.clear();
  beast::error_code ignored;
  stream_.socket().close(ignored);
  tls_connection_ = nullptr;  // a handler still running holds its own reference
  if (!ok) ++url_index_;
  counters_.finish(ok, std::chrono::steady_clock::now() - started_);
  events_.on_snapshot_status(identity_.peer_id, ok);
}

}  // namespace coord::transport
