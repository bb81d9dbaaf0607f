// Internal: the Beast HTTP/1.1 transport as a template over a stream Policy, so plain HTTP
// (http_transport.cpp) and TLS (tls_transport.cpp, the only file that needs OpenSSL) share one
// implementation. One Exchange per request, on the strand of its connection, in the Beast shape
// (do_x / on_x, `if (ec) return fail(...)` first). Every read and write carries the call's
// deadline; connects and handshakes carry the shorter connect timeout.
//
// A Policy provides: Stream; Context (shared per transport); emplace(optional<Stream>&,
// executor, Context&); handshake(Stream&, host, handler(error_code)); scheme ("http"/"https").
//
// Thread-safety: BasicHttpTransport is safe for concurrent use; each Exchange lives on a strand.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "client/src/connection_pool.hpp"
#include "coord/endpoint_url.hpp"
#include "coord/transport.hpp"

namespace coord::detail {

// Where an endpoint (one EndpointSet::normalize accepted) is reached: the host for the resolver
// and the TLS handshake (IPv6 without brackets), the port (the scheme's default when none is
// written) and the Host header's "host:port".
struct HostPort {
  std::string host, port, authority;
};

inline HostPort split_endpoint(const std::string& endpoint) {
  const auto u = EndpointUrl::parse(endpoint, UrlRules::kEndpoint);
  if (!u) return {};  // not from EndpointSet: resolving "" fails, a connect failure
  return {u->hostname(), std::to_string(u->port()), u->authority()};
}

template <class Policy>
class BasicHttpTransport : public Transport, public std::enable_shared_from_this<BasicHttpTransport<Policy>> {
 public:
  using Stream = typename Policy::Stream;

  BasicHttpTransport(boost::asio::any_io_executor ex, const ClientOptions& o, std::shared_ptr<typename Policy::Context> ctx)
      : ex_(std::move(ex)),
        ctx_(std::move(ctx)),
        connect_timeout_(o.connect_timeout),
        pool_(o.max_idle_per_endpoint, o.max_idle_watch_per_endpoint, o.idle_timeout) {}

  std::function<void()> send(const std::string& endpoint, HttpRequest request, Deadline deadline,
                             Callback done) override;
  bool supports(const std::string& endpoint) const override {
    return endpoint.rfind(std::string(Policy::scheme) + "://", 0) == 0;
  }
  void shutdown() override { pool_.close(); }

  boost::asio::any_io_executor executor() const { return ex_; }
  typename Policy::Context& context() { return *ctx_; }
  std::chrono::milliseconds connect_timeout() const { return connect_timeout_; }
  ConnectionPool<Stream>& pool() { return pool_; }

 private:
  boost::asio::any_io_executor ex_;
  std::shared_ptr<typename Policy::Context> ctx_;
  std::chrono::milliseconds connect_timeout_;
  ConnectionPool<Stream> pool_;
};

template <class Policy>
class Exchange : public std::enable_shared_from_this<Exchange<Policy>> {
 public:
  using Owner = BasicHttpTransport<Policy>;
  using Status = TransportResult::Status;

  Exchange(std::shared_ptr<Owner> owner, std::string endpoint, const HttpRequest& request,
           Transport::Deadline deadline, Transport::Callback done)
      : owner_(std::move(owner)),
        endpoint_(std::move(endpoint)),
        host_(split_endpoint(endpoint_)),
        long_poll_(request.long_poll),
        deadline_(deadline),
        done_(std::move(done)),
        resolver_(boost::asio::make_strand(owner_->executor())) {
    build(request);
    parser_.body_limit(kBodyLimit);
    parser_.header_limit(64 * 1024);
  }

  void run() {
    if (auto pooled = owner_->pool().take(endpoint_, long_poll_)) {
      stream_.emplace(std::move(*pooled));
      reused_ = true;
      strand_ = lowest().get_executor();
      boost::asio::post(strand_, [self = this->shared_from_this()] { self->do_write(); });
      return;
    }
    strand_ = resolver_.get_executor();
    boost::asio::post(strand_, [self = this->shared_from_this()] { self->do_resolve(); });
  }

  // Any thread. strand_ was set by run(), before the cancel function was handed out.
  // The socket is closed, not just cancelled: a composed read (header, then body) runs as
  // several operations, and a cancel that lands between two of them finds nothing pending —
  // the next one would then wait for ever on a quiet watch. On a closed socket every later
  // operation fails at once. (The connection is not reusable after a cancel anyway.)
  void cancel() {
    boost::asio::post(strand_, [self = this->shared_from_this()] {
      self->cancelled_ = true;
      self->resolver_.cancel();
      if (self->stream_) {
        error_code ignored;
        self->lowest().socket().close(ignored);
      }
    });
  }

 private:
  static constexpr std::uint64_t kBodyLimit = 512ull << 20;
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::beast::error_code;

  boost::beast::tcp_stream& lowest() { return boost::beast::get_lowest_layer(*stream_); }

  void build(const HttpRequest& r) {
    namespace http = boost::beast::http;
    request_.method_string(r.method);
    request_.target(r.target);
    request_.version(11);
    request_.set(http::field::host, host_.authority);
    request_.set(http::field::user_agent, "coord-client");
    if (!r.content_type.empty()) request_.set(http::field::content_type, r.content_type);
    if (!r.authorization.empty()) request_.set(http::field::authorization, r.authorization);
    request_.keep_alive(true);
    request_.body() = r.body;
    request_.prepare_payload();
  }

  void arm_timer(bool connecting) {
    if (deadline_ == Transport::Deadline::max() && !connecting) return lowest().expires_never();
    auto until = deadline_;
    if (connecting) until = std::min(until, std::chrono::steady_clock::now() + owner_->connect_timeout());
    lowest().expires_at(until);
  }

  Status connect_status() const {
    if (cancelled_) return Status::kCancelled;
    return std::chrono::steady_clock::now() >= deadline_ ? Status::kTimeout : Status::kConnectFailed;
  }

  void do_resolve() {
    if (cancelled_) return fail(Status::kCancelled, "cancelled", false);
    resolver_.async_resolve(host_.host, host_.port,
                            [self = this->shared_from_this()](error_code ec, tcp::resolver::results_type r) {
                              self->on_resolve(ec, std::move(r));
                            });
  }

  // Every step checks cancelled_ before starting the next operation: a cancel() that ran
  // between two steps (after one operation completed, before its handler ran) found nothing
  // to cancel, and the next operation — a watch's read — could wait for ever.
  void on_resolve(error_code ec, tcp::resolver::results_type results) {
    if (cancelled_) return fail(Status::kCancelled, "cancelled", false);
    if (ec) return fail(connect_status(), "resolve: " + ec.message(), false);
    Policy::emplace(stream_, resolver_.get_executor(), owner_->context());
    arm_timer(true);
    lowest().async_connect(results, [self = this->shared_from_this()](error_code ec, const tcp::endpoint&) {
      self->on_connect(ec);
    });
  }

  void on_connect(error_code ec) {
    if (cancelled_) return fail(Status::kCancelled, "cancelled", false);
    if (ec) return fail(connect_status(), "connect: " + ec.message(), false);
    Policy::handshake(*stream_, host_.host, [self = this->shared_from_this()](error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(error_code ec) {
    // Nothing of the request has been sent before the handshake completes.
    if (ec) return fail(connect_status(), "TLS handshake: " + ec.message(), false);
    do_write();
  }

  void do_write() {
    if (cancelled_) return fail(Status::kCancelled, "cancelled", false);
    arm_timer(false);
    boost::beast::http::async_write(*stream_, request_, [self = this->shared_from_this()](error_code ec, std::size_t n) {
      self->on_write(ec, n);
    });
  }

  void on_write(error_code ec, std::size_t written) {
    if (ec) return fail(error_status(ec), "write: " + ec.message(), written > 0);
    if (cancelled_) return fail(Status::kCancelled, "cancelled", true);
    boost::beast::http::async_read(*stream_, buffer_, parser_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(error_code ec) {
    if (ec) return fail(error_status(ec), std::string(reused_ ? "read (reused connection): " : "read: ") + ec.message(), true);
    auto& msg = parser_.get();
    TransportResult result;
    result.maybe_sent = true;
    result.response.status = static_cast<int>(msg.result_int());
    copy_headers(result.response);
    result.response.body = std::move(msg.body());
    if (msg.keep_alive() && buffer_.size() == 0) {
      lowest().expires_never();
      owner_->pool().put(endpoint_, long_poll_, std::move(*stream_));
      stream_.reset();
    }
    complete(std::move(result));
  }

  void copy_headers(HttpResponse& out) {
    for (const auto& field : parser_.get()) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      out.headers.emplace(std::move(name), std::string(field.value()));
    }
  }

  Status error_status(error_code ec) const {
    if (cancelled_) return Status::kCancelled;
    if (ec == boost::beast::error::timeout) return Status::kTimeout;
    return Status::kIoError;
  }

  void fail(Status status, std::string detail, bool maybe_sent) {
    if (stream_) {
      error_code ignored;
      lowest().socket().close(ignored);
    }
    TransportResult result;
    if (long_poll_ && parser_.is_header_done()) {
      // A long poll cut short after its head arrived (e.g. its deadline): keep the head, whose
      // X-Etcd-Index tells how far the quiet watch has seen.
      result.response.status = static_cast<int>(parser_.get().result_int());
      copy_headers(result.response);
    }
    result.status = status;
    result.detail = std::move(detail);
    result.maybe_sent = maybe_sent;
    complete(std::move(result));
  }

  void complete(TransportResult result) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(result));
  }

  std::shared_ptr<Owner> owner_;
  std::string endpoint_;
  HostPort host_;
  bool long_poll_;
  Transport::Deadline deadline_;
  Transport::Callback done_;
  tcp::resolver resolver_;
  std::optional<typename Policy::Stream> stream_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::response_parser<boost::beast::http::string_body> parser_;
  // The strand every handler runs on: a pooled stream's own, else the resolver's (a new stream
  // is made on it). Set once in run().
  boost::asio::any_io_executor strand_;
  bool reused_ = false;
  bool cancelled_ = false;
};

template <class Policy>
std::function<void()> BasicHttpTransport<Policy>::send(const std::string& endpoint, HttpRequest request,
                                                       Deadline deadline, Callback done) {
  auto exchange = std::make_shared<Exchange<Policy>>(this->shared_from_this(), endpoint, request, deadline, std::move(done));
  exchange->run();
  std::weak_ptr<Exchange<Policy>> weak = exchange;
  return [weak] {
    if (auto e = weak.lock()) e->cancel();
  };
}

}  // namespace coord::detail
