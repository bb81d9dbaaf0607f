#include "test/bench/coord_bench/load_connection.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace coord::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr std::size_t kBodyLimit = 64 * 1024 * 1024;
constexpr auto kRetryDelay = std::chrono::milliseconds(100);

// What kind of error an answer body reports: an etcd error up to its message (its cause and
// index name the key and vary per request, which would give every failed request a line of
// its own), otherwise the body's start.
// One client context for every https connection: TLS 1.2+, the server is not verified.
boost::asio::ssl::context& tls_context() {
  static boost::asio::ssl::context ctx = [] {
    boost::asio::ssl::context c(boost::asio::ssl::context::tls_client);
    c.set_verify_mode(boost::asio::ssl::verify_none);
    return c;
  }();
  return ctx;
}

std::string error_kind(const std::string& body) {
  const auto cause = body.find(",\"cause\"");
  if (body.rfind("{\"errorCode\"", 0) == 0 && cause != std::string::npos) return body.substr(0, cause) + "}";
  return body.substr(0, 120);
}
}  // namespace

LoadConnection::LoadConnection(net::io_context& ioc, const Endpoint& endpoint,
                               net::ip::tcp::endpoint address, RequestSource& source,
                               RunControl& control, int in_flight)
    : endpoint_(endpoint),
      address_(address),
      source_(source),
      control_(control),
      in_flight_(in_flight),
      stream_(net::make_strand(ioc)),
      retry_timer_(stream_.get_executor()) {}

void LoadConnection::start() {
  control_.active.fetch_add(1);
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_connect(); });
}

void LoadConnection::do_connect() {
  if (control_.stopping.load()) return finish();
  stream_.async_connect(address_, [self = shared_from_this()](beast::error_code ec) {
    self->on_connect(ec);
  });
}

void LoadConnection::on_connect(beast::error_code ec) {
  if (ec) {
    recorder_.record_error("connect: " + ec.message());
    stream_.close();
    retry_timer_.expires_after(kRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->do_connect(); });
    return;
  }
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ec);
  if (!endpoint_.tls) return on_connected();
  // A fresh TLS layer per connection; a handler of the old one keeps it alive until it runs.
  tls_ = std::make_shared<net::ssl::stream<beast::tcp_stream&>>(stream_, tls_context());
  tls_->async_handshake(net::ssl::stream_base::client, [self = shared_from_this(), keep = tls_](beast::error_code e) {
    if (!e) return self->on_connected();
    self->connected_ = true;  // so that fail() records it and reconnects
    self->fail(e, "handshake");
  });
}

void LoadConnection::on_connected() {
  connected_ = true;
  buffer_.clear();
  fill();
}

// Queues requests until in_flight_ are outstanding, then makes sure a write and a read run.
void LoadConnection::fill() {
  while (!control_.stopping.load(std::memory_order_relaxed) && !exhausted_ &&
         sent_.size() < static_cast<std::size_t>(in_flight_)) {
    if (!source_.next(endpoint_, pending_)) {
      exhausted_ = true;
      break;
    }
    sent_.push_back(BenchClock::now());
  }
  if (sent_.empty()) return finish();
  if (!writing_now_ && !pending_.empty()) do_write();
  if (!reading_now_) do_read();
}

void LoadConnection::do_write() {
  writing_now_ = true;
  writing_.swap(pending_);
  pending_.clear();
  auto done = [self = shared_from_this(), keep = tls_](beast::error_code ec, std::size_t) { self->on_write(ec); };
  if (tls_) return net::async_write(*tls_, net::buffer(writing_), std::move(done));
  net::async_write(stream_, net::buffer(writing_), std::move(done));
}

void LoadConnection::on_write(beast::error_code ec) {
  writing_now_ = false;
  writing_.clear();
  if (ec) return fail(ec, "write");
  if (!pending_.empty() && connected_) do_write();
}

void LoadConnection::do_read() {
  reading_now_ = true;
  parser_.emplace();
  parser_->body_limit(kBodyLimit);
  auto done = [self = shared_from_this(), keep = tls_](beast::error_code ec, std::size_t) { self->on_read(ec); };
  if (tls_) return http::async_read(*tls_, buffer_, *parser_, std::move(done));
  http::async_read(stream_, buffer_, *parser_, std::move(done));
}

void LoadConnection::on_read(beast::error_code ec) {
  reading_now_ = false;
  if (ec) return fail(ec, "read");
  auto queued = sent_.front();
  sent_.pop_front();
  const auto& res = parser_->get();
  unsigned status = res.result_int();
  // Answers that arrive after the measured window are drained but not counted.
  if (!control_.stopping.load(std::memory_order_relaxed)) {
    if (status >= 200 && status < 300) {
      recorder_.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(BenchClock::now() - queued).count()));
    } else {
      recorder_.record_error("status " + std::to_string(status) + " " + error_kind(res.body()));
    }
  }
  if (!parser_->keep_alive()) {
    return fail(beast::error_code(net::error::connection_reset), "server closed keep-alive");
  }
  fill();
}

// A broken connection loses what it had in flight: each such request is an error.
void LoadConnection::fail(beast::error_code ec, const char* where) {
  if (!connected_) return;
  connected_ = false;
  if (!control_.stopping.load()) {
    for (std::size_t i = 0; i < sent_.size(); ++i) recorder_.record_error(std::string(where) + ": " + ec.message());
  }
  sent_.clear();
  pending_.clear();
  beast::error_code ignored;
  stream_.socket().close(ignored);
  if (exhausted_ || control_.stopping.load()) return finish();
  // Wait for the other half of the connection to notice the close before reconnecting.
  retry_timer_.expires_after(kRetryDelay);
  retry_timer_.async_wait([self = shared_from_this()](beast::error_code) {
    if (!self->writing_now_ && !self->reading_now_) self->do_connect();
    else self->finish();
  });
}

void LoadConnection::finish() {
  if (finished_) return;
  finished_ = true;
  beast::error_code ignored;
  stream_.socket().close(ignored);
  control_.active.fetch_sub(1);
}

}  // namespace coord::bench
