// The default transport: HTTP/1.1 over Beast. One Exchange per request, on the strand of its
// connection, in the Beast shape (do_x / on_x, `if (ec) return fail(...)` first). Every read and
// write carries the call's deadline; connects carry the shorter connect timeout.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <algorithm>
#include <atomic>

#include "client/src/connection_pool.hpp"
#include "coord/transport.hpp"

namespace coord {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Status = TransportResult::Status;

constexpr std::uint64_t kBodyLimit = 512ull << 20;

struct HostPort {
  std::string host, port;
};

HostPort split_endpoint(const std::string& endpoint) {
  auto rest = endpoint.substr(endpoint.find("://") + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.back() == ']') return {rest, endpoint.rfind("https", 0) == 0 ? "443" : "80"};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

class HttpTransport : public Transport, public std::enable_shared_from_this<HttpTransport> {
 public:
  HttpTransport(asio::any_io_executor ex, const ClientOptions& o)
      : ex_(std::move(ex)),
        connect_timeout_(o.connect_timeout),
        pool_(o.max_idle_per_endpoint, o.max_idle_watch_per_endpoint, o.idle_timeout) {}

  std::function<void()> send(const std::string& endpoint, HttpRequest request, Deadline deadline,
                             Callback done) override;
  bool supports(const std::string& endpoint) const override { return endpoint.rfind("http://", 0) == 0; }
  void shutdown() override { pool_.close(); }

  asio::any_io_executor executor() const { return ex_; }
  std::chrono::milliseconds connect_timeout() const { return connect_timeout_; }
  detail::ConnectionPool& pool() { return pool_; }

 private:
  asio::any_io_executor ex_;
  std::chrono::milliseconds connect_timeout_;
  detail::ConnectionPool pool_;
};

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<HttpTransport> owner, std::string endpoint, HttpRequest request,
           Transport::Deadline deadline, Transport::Callback done)
      : owner_(std::move(owner)),
        endpoint_(std::move(endpoint)),
        long_poll_(request.long_poll),
        deadline_(deadline),
        done_(std::move(done)),
        resolver_(asio::make_strand(owner_->executor())) {
    build(request);
    parser_.body_limit(kBodyLimit);
    parser_.header_limit(64 * 1024);
  }

  void run() {
    if (auto pooled = owner_->pool().take(endpoint_, long_poll_)) {
      stream_.emplace(std::move(*pooled));
      reused_ = true;
      strand_ = stream_->get_executor();
      asio::post(strand_, [self = shared_from_this()] { self->do_write(); });
      return;
    }
    strand_ = resolver_.get_executor();
    asio::post(strand_, [self = shared_from_this()] { self->do_resolve(); });
  }

  // Any thread. strand_ was set by run(), before the cancel function was handed out.
  void cancel() {
    asio::post(strand_, [self = shared_from_this()] {
      self->cancelled_ = true;
      self->resolver_.cancel();
      if (self->stream_) self->stream_->cancel();
    });
  }

 private:
  void build(const HttpRequest& r) {
    auto hp = split_endpoint(endpoint_);
    request_.method_string(r.method);
    request_.target(r.target);
    request_.version(11);
    request_.set(http::field::host, hp.host + ":" + hp.port);
    request_.set(http::field::user_agent, "coord-client");
    if (!r.content_type.empty()) request_.set(http::field::content_type, r.content_type);
    if (!r.authorization.empty()) request_.set(http::field::authorization, r.authorization);
    request_.keep_alive(true);
    request_.body() = r.body;
    request_.prepare_payload();
  }

  void arm_timer(bool connecting) {
    if (deadline_ == Transport::Deadline::max() && !connecting) return stream_->expires_never();
    auto until = deadline_;
    if (connecting) until = std::min(until, std::chrono::steady_clock::now() + owner_->connect_timeout());
    stream_->expires_at(until);
  }

  void do_resolve() {
    if (cancelled_) return fail(Status::kCancelled, "cancelled", false);
    auto hp = split_endpoint(endpoint_);
    resolver_.async_resolve(hp.host, hp.port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
      self->on_resolve(ec, std::move(r));
    });
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(cancelled_ ? Status::kCancelled : Status::kConnectFailed, "resolve: " + ec.message(), false);
    stream_.emplace(resolver_.get_executor());
    arm_timer(true);
    stream_->async_connect(results, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      self->on_connect(ec);
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec) {
      bool past_deadline = std::chrono::steady_clock::now() >= deadline_;
      return fail(cancelled_ ? Status::kCancelled : past_deadline ? Status::kTimeout : Status::kConnectFailed,
                  "connect: " + ec.message(), false);
    }
    do_write();
  }

  void do_write() {
    if (cancelled_) return fail(Status::kCancelled, "cancelled", false);
    arm_timer(false);
    http::async_write(*stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->on_write(ec, n);
    });
  }

  void on_write(beast::error_code ec, std::size_t written) {
    if (ec) return fail(error_status(ec), "write: " + ec.message(), written > 0);
    http::async_read(*stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(error_status(ec), std::string(reused_ ? "read (reused connection): " : "read: ") + ec.message(), true);
    auto& msg = parser_.get();
    TransportResult result;
    result.maybe_sent = true;
    result.response.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      result.response.headers.emplace(std::move(name), std::string(field.value()));
    }
    result.response.body = std::move(msg.body());
    if (msg.keep_alive() && buffer_.size() == 0) {
      stream_->expires_never();
      owner_->pool().put(endpoint_, long_poll_, std::move(*stream_));
      stream_.reset();
    }
    complete(std::move(result));
  }

  Status error_status(beast::error_code ec) const {
    if (cancelled_) return Status::kCancelled;
    if (ec == beast::error::timeout) return Status::kTimeout;
    return Status::kIoError;
  }

  void fail(Status status, std::string detail, bool maybe_sent) {
    if (stream_) {
      beast::error_code ignored;
      stream_->socket().close(ignored);
    }
    TransportResult result;
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

  std::shared_ptr<HttpTransport> owner_;
  std::string endpoint_;
  bool long_poll_;
  Transport::Deadline deadline_;
  Transport::Callback done_;
  tcp::resolver resolver_;
  std::optional<beast::tcp_stream> stream_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  // The strand every handler runs on: a pooled stream's own, else the resolver's (a new stream
  // is made on it). Set once in run().
  asio::any_io_executor strand_;
  bool reused_ = false;
  bool cancelled_ = false;
};

std::function<void()> HttpTransport::send(const std::string& endpoint, HttpRequest request, Deadline deadline,
                                          Callback done) {
  auto exchange = std::make_shared<Exchange>(shared_from_this(), endpoint, std::move(request), deadline, std::move(done));
  exchange->run();
  std::weak_ptr<Exchange> weak = exchange;
  return [weak] {
    if (auto e = weak.lock()) e->cancel();
  };
}

}  // namespace

std::shared_ptr<Transport> make_http_transport(boost::asio::any_io_executor executor, const ClientOptions& options) {
  return std::make_shared<HttpTransport>(std::move(executor), options);
}

}  // namespace coord
