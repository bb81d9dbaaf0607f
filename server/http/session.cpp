#include "server/http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <array>
#include <cstdio>

#include "server/common/log.hpp"
#include "server/tls/certificate_names.hpp"
#include "server/tls/client_san.hpp"


namespace coord::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

constexpr std::chrono::seconds kWriteTimeout{30};
// A client that has not finished its TLS handshake by then is dropped (as Go's 10 s default).
constexpr std::chrono::seconds kTlsHandshakeTimeout{10};
// How long a closing TLS session waits for its close_notify to go out and the client's to come
// back before it closes the socket anyway.
constexpr std::chrono::seconds kTlsShutdownTimeout{1};

// What the listener makes each session's executor: a strand over the io_context.
using IoStrand = net::strand<net::io_context::executor_type>;

// Reason phrases as Go's net/http writes them (they differ from Beast's for a few codes).
std::string_view reason(int status) {
  if (status == 413) return "Request Entity Too Large";
  return bhttp::obsolete_reason(static_cast<bhttp::status>(status));
}

// Status line and the headers every answer shares (CORS when `cors_origin` names an allowed
// origin and the answer is not `bare`; Content-Type; extras).
// Answers are formatted by hand into one buffer: cheaper than a Beast message and serializer
// on the request path, and a watch's head and chunks need no serializer that lives for hours.
void append_head(std::string& out, const Reply& reply, std::string_view cors_origin) {
  out += "HTTP/1.1 ";
  out += std::to_string(reply.status);
  out += ' ';
  out += reason(reply.status);
  out += "\r\n";
  if (!cors_origin.empty() && !reply.bare) {
    append_header_line(out, "Access-Control-Allow-Headers", "accept, content-type, authorization");
    append_header_line(out, "Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
    append_header_line(out, "Access-Control-Allow-Origin", cors_origin);
  }
  if (!reply.content_type.empty()) append_header_line(out, "Content-Type", reply.content_type);
  out.append(reply.headers.data(), reply.headers.size());
}

std::string stream_head(const Reply& head, bool keep_alive, std::string_view cors_origin) {
  std::string out;
  append_head(out, head, cors_origin);
  append_header_line(out, "Transfer-Encoding", "chunked");
  if (!keep_alive) append_header_line(out, "Connection", "close");
  out += "\r\n";
  return out;
}

}  // namespace

void append_chunk(std::string& out, std::string_view data) {
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<std::size_t>(n));
  out += data;
  out += "\r\n";
}

Session::Session(net::ip::tcp::socket socket, RequestHandler& handler, SessionLimits limits,
                 std::shared_ptr<net::ssl::context> tls_context)
    : Session(std::move(socket), handler, std::make_shared<const SessionLimits>(std::move(limits)), std::move(tls_context)) {}

Session::Session(net::ip::tcp::socket socket, RequestHandler& handler, std::shared_ptr<const SessionLimits> limits,
                 std::shared_ptr<net::ssl::context> tls_context)
    : handler_(handler),
      limits_(std::move(limits)),
      tls_context_(std::move(tls_context)),
      // With TLS the socket goes to tls_ and socket_ only lends its executor.
      socket_(tls_context_ ? net::ip::tcp::socket(socket.get_executor()) : std::move(socket)),
      tls_(tls_context_ ? std::make_unique<TlsStream>(std::move(socket), *tls_context_) : nullptr),
      timer_(socket_.get_executor()),
      buffer_(kReadBufferLimit) {}

Session::~Session() = default;

template <class Handler>
auto Session::tls_handler(Handler handler) {
  ++tls_pending_;
  return [self = shared_from_this(), handler = std::move(handler)](auto&&... args) mutable {
    --self->tls_pending_;
    handler(std::forward<decltype(args)>(args)...);
  };
}

void Session::start() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    if (self->tls_) {
      self->tls_->next_layer().expires_after(kTlsHandshakeTimeout);
      return self->tls_->async_handshake(net::ssl::stream_base::server,
                                         self->tls_handler([self](beast::error_code ec) { self->on_tls_handshake(ec); }));
    }
    // Synchronous calls must never block an io thread: write_now() relies on this.
    beast::error_code ignored;
    self->socket_.non_blocking(true, ignored);
    self->do_read();
  });
}

void Session::on_tls_handshake(beast::error_code ec) {
  if (ec) {
    // As etcd, a refused handshake is logged with the client's address.
    beast::error_code ignored;
    const auto remote = tls_->next_layer().socket().remote_endpoint(ignored);
    COORD_LOG_WARN("rejected connection from " + remote.address().to_string() + ":" + std::to_string(remote.port()) +
                   " (TLS handshake: " + ec.message() + ")");
    return do_close();
  }
  if (limits_->tls_check_client_san) {
    beast::error_code ignored;
    const auto remote = tls_->next_layer().socket().remote_endpoint(ignored);
    if (auto why = tls::check_client_san(tls_->native_handle(), remote.address()); !why.empty()) {
      COORD_LOG_WARN("rejected connection from " + remote.address().to_string() + ":" + std::to_string(remote.port()) +
                     " (" + why + ")");
      return do_close();
    }
  }
  client_cert_names_ = tls::verified_common_names(tls_->native_handle());
  tls_open_ = true;
  do_read();
}

void Session::new_parser() {
  if (!parser_) parser_ = std::make_unique<std::optional<Parser>>();
  parser_->emplace();
  parser().body_limit(limits_->body_limit);
  parser().header_limit(kRequestHeadLimit);
}

void Session::do_read() {
  if (closed_) return;
  new_parser();
  head_state_.reset();  // the last request's, if its route() did not take it
  idle_deadline_ = std::chrono::steady_clock::now() + limits_->read_timeout;
  if (tls_) return read_request();
  // The request as a whole (the wait for it included) must arrive by the idle deadline.
  set_deadline(idle_deadline_);
  if (buffer_.size() == 0) return read_or_wait();
  read_request();
}

// Plain sessions with nothing buffered read the next request without Beast's asynchronous read:
// one non-blocking read at once, and when it finds nothing, one asynchronous read_some (Asio
// tries the read once more and, finding nothing, leaves the socket in epoll as it is, reading
// when epoll wakes). The read at once is what a client that pipelines needs: its next request
// is there when the answer has gone out, and is read with no pass through the scheduler.
// Other clients' next request is not there yet, so a read at once that finds nothing is
// followed by kWaitsAfterEmptyRead requests read asynchronously straight away before it is
// tried again: for them each read at once is one syscall wasted. (A pipelined request is parsed
// from buffer_ at once; a TLS session may hold bytes in OpenSSL's buffer that the socket does
// not show, so it keeps Beast's read.)
void Session::read_or_wait() {
  // An answer written at once calls do_read() from inside the request's own call chain, so each
  // request found by a read at once nests one level deeper; a wait returns to the scheduler.
  // Invariant: read_depth_ <= kMaxReadDepth, which bounds the stack whatever the client's pacing.
  if (waits_before_read_at_once_ > 0) {
    --waits_before_read_at_once_;
    return wait_for_request();
  }
  if (read_depth_ >= kMaxReadDepth) return wait_for_request();
  ++read_depth_;
  const auto leave = [](Session* s) { --s->read_depth_; };
  const std::unique_ptr<Session, decltype(leave)> nested(this, leave);  // callers hold a reference
  beast::error_code ec;
  // The socket is non-blocking (start()): this takes what arrived without waiting.
  const std::size_t n = socket_.read_some(buffer_.prepare(beast::read_size(buffer_, 65536)), ec);
  if (ec == net::error::would_block || ec == net::error::try_again) {
    waits_before_read_at_once_ = kWaitsAfterEmptyRead;
    return wait_for_request();
  }
  on_request_bytes(ec, n);
}

void Session::wait_for_request() {
  waiting_for_request_ = true;
  // A client not seen to come back quickly waits without buffers at once: a wait with them
  // would leave, when it ends kIdleRelease later, a hole in the heap between sessions that
  // later ones need not fill (RSS then keeps what was freed).
  if (!keep_buffers_) {
    idle_ = true;
    return wait_idle();
  }
  if (timer_waits_ == 0 || next_wake() < timer_.expiry()) arm_timer();  // usually armed already
  socket_.async_read_some(
      buffer_.prepare(beast::read_size(buffer_, 65536)),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        if (self->closed_) return;
        // Cancelled to go idle: wait on without buffers. (If bytes came first, the read
        // completed with them and the session is simply not idle.)
        if (ec == net::error::operation_aborted && self->idle_) return self->wait_idle();
        self->waiting_for_request_ = self->idle_ = false;
        self->on_request_bytes(ec, n);  // an error: do_close() (the deadline) or the client left
      });
}

void Session::go_idle() {
  idle_ = true;
  keep_buffers_ = false;
  beast::error_code ignored;
  socket_.cancel(ignored);  // the pending read's handler goes on in wait_idle()
}

void Session::wait_idle() {
  // Invariant: nothing is buffered or being written, and the parser has taken nothing (the
  // cancelled read was the first of this request), so all three may go.
  buffer_.clear();
  buffer_.shrink_to_fit();
  std::string().swap(write_buffer_);
  parser_.reset();
  socket_.async_wait(net::socket_base::wait_read, [self = shared_from_this()](beast::error_code ec) {
    if (self->closed_) return;
    std::size_t n = 0;
    if (!ec) {
      n = self->socket_.read_some(self->buffer_.prepare(beast::read_size(self->buffer_, 65536)), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) return self->wait_idle();  // a spurious wake-up
    }
    self->waiting_for_request_ = self->idle_ = false;
    // A client that has had an answer and came back within kIdleRelease is busy: its next waits
    // keep the buffers (the wait began when do_read() set the idle deadline).
    self->keep_buffers_ =
        self->answered_ &&
        std::chrono::steady_clock::now() < self->idle_deadline_ - self->limits_->read_timeout + kIdleRelease;
    self->new_parser();
    self->on_request_bytes(ec, n);
  });
}

std::size_t Session::held_buffer_bytes() const {
  std::size_t held = buffer_.capacity() + (parser_ ? sizeof(*parser_) : 0);
  if (write_buffer_.capacity() > std::string().capacity()) held += write_buffer_.capacity();  // past the inline bytes
  if (write_body_.capacity() > std::string().capacity()) held += write_body_.capacity();
  return held;
}

void Session::on_request_bytes(beast::error_code ec, std::size_t n) {
  if (ec) return on_read(ec, 0);
  buffer_.commit(n);
  if (!limits_->head_first && parse_buffered()) return;
  read_request();
}

// A request usually arrives whole in the one read above: parsing it here saves Beast's
// asynchronous read (an operation object and a pass through the strand's queue) for a read
// that has nothing left to do. The parser keeps what it took either way, so when more bytes
// are needed read_request() goes on from there. Errors are the parser's, as Beast's read
// would report them (body_limit, header_limit, bad syntax).
bool Session::parse_buffered() {
  parser().eager(true);  // the body too, as bhttp::async_read parses
  beast::error_code ec;
  while (!parser().is_done() && buffer_.size() > 0) {
    buffer_.consume(parser().put(buffer_.data(), ec));
    if (ec == bhttp::error::need_more) return false;
    if (ec) break;
  }
  if (!ec && !parser().is_done()) return false;
  on_read(ec, 0);
  return true;
}

void Session::set_deadline(std::chrono::steady_clock::time_point when) {
  if (tls_) {
    if (when == kNoDeadline) return tls_->next_layer().expires_never();
    return tls_->next_layer().expires_at(when);
  }
  deadline_ = when;
  // Later than the timer's expiry (the usual case): it finds the new deadline when it fires.
  if (when != kNoDeadline && (timer_waits_ == 0 || when < timer_.expiry())) arm_timer();
}

std::chrono::steady_clock::time_point Session::next_wake() const {
  // The idle deadline is read_timeout after the wait began (do_read).
  if (waiting_for_request_ && !idle_) return std::min(deadline_, idle_deadline_ - limits_->read_timeout + kIdleRelease);
  return deadline_;
}

void Session::arm_timer() {
  const auto when = next_wake();
  if (when == kNoDeadline) return;
  timer_.expires_at(when);  // cancels a pending wait, whose handler then only counts itself out
  ++timer_waits_;
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) { self->on_timer(ec); });
}

void Session::on_timer(beast::error_code ec) {
  --timer_waits_;
  if (ec || closed_ || timer_waits_ > 0) return;
  const auto now = std::chrono::steady_clock::now();
  // A read or write outlived its deadline: close, as Beast's stream does on a timeout (the
  // operation then fails and its handler finds the session closed).
  if (now >= deadline_) return do_close();
  if (waiting_for_request_ && !idle_ && now >= idle_deadline_ - limits_->read_timeout + kIdleRelease) go_idle();
  arm_timer();  // for what is next, if anything
}

void Session::read_request() {
  if (tls_) set_deadline(idle_deadline_);  // the request as a whole must arrive by the idle deadline (do_read)
  // The head first, then the body (on_head): a client that asked to hear "100 Continue" first
  // is told so between the two.
  if (parser().is_header_done()) return on_head({});
  auto head = [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); };
  if (tls_) return bhttp::async_read_header(*tls_, buffer_, parser(), tls_handler(std::move(head)));
  bhttp::async_read_header(socket_, buffer_, parser(), std::move(head));
}

void Session::read_body() {
  if (parser().is_done()) return on_read({}, 0);  // no body: nothing to wait for
  if (!tls_) {
    // Body bytes that came with the head (Beast's head read leaves them in buffer_) go to the
    // parser first: what is still to come is then what the socket has yet to deliver.
    if (buffer_.size() > 0 && parse_buffered()) return;
    const auto remaining = parser().content_length_remaining();
    if (!parser().chunked() && remaining && *remaining > kLargeBodyBytes) return read_large_body();
  }
  auto done = [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); };
  if (tls_) return bhttp::async_read(*tls_, buffer_, parser(), tls_handler(std::move(done)));
  bhttp::async_read(socket_, buffer_, parser(), std::move(done));
}

void Session::read_large_body() {
  // Invariant: buffer_ is empty (read_body() parsed it) and the parser has consumed exactly
  // body().size() bytes of the body, so the rest belongs right behind them. The string grows
  // to the declared length, which the parser's head check (or on_head()'s, with head_first)
  // held within the body limit and which Beast's string_body reserved: no reallocation.
  auto& body = parser().get().body();
  body_read_ = body.size();
  body.resize(body_read_ + static_cast<std::size_t>(*parser().content_length_remaining()));
  read_body_piece();
}

void Session::read_body_piece() {
  auto& body = parser().get().body();
  const std::size_t remaining = body.size() - body_read_;
  // epoll (and so this read, when the socket had nothing ready) waits for a piece, or the
  // rest; setting the mark re-checks the socket, so bytes already there still wake it. The
  // read never asks for more than the body: a pipelined request stays in the socket for
  // do_read(). The request's deadline (do_read) still bounds the whole read.
  set_receive_low_water(std::min(remaining, kBodyPieceBytes));
  socket_.async_read_some(net::buffer(body.data() + body_read_, remaining),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_body_piece(ec, n); });
}

void Session::on_body_piece(beast::error_code ec, std::size_t n) {
  if (closed_) return;  // the deadline passed (do_close)
  // As Beast's read reports a body cut short by the end of the stream.
  if (ec == net::error::eof) ec = bhttp::error::partial_message;
  if (ec) return on_read(ec, 0);
  body_read_ += n;
  if (body_read_ < parser().get().body().size()) return read_body_piece();
  set_receive_low_water(1);  // the next request is read as any other
  // The parser has not seen these bytes (it is not done): on_read() takes its message as is.
  on_read({}, 0);
}

void Session::set_receive_low_water(std::size_t bytes) {
  const int mark = static_cast<int>(bytes);
  if (mark == receive_low_water_) return;
  receive_low_water_ = mark;
  beast::error_code ignored;  // without it reads are merely smaller
  socket_.set_option(net::socket_base::receive_low_watermark(mark), ignored);
}

std::optional<Reply> Session::expectation_refusal() const {
  // As Go's server (net/http): an Expect other than 100-continue is answered 417 before any
  // handler runs (no CORS headers), and the connection closes.
  const auto expect = parser().get()[bhttp::field::expect];
  if (expect.empty() || beast::iequals(expect, "100-continue")) return std::nullopt;
  Reply refused{417, {}, {}, {}};
  refused.bare = refused.close = true;
  return refused;
}

void Session::continue_then_read_body() {
  // Go's server sends "100 Continue" when the handler first reads the body; coordd's handlers
  // read every body they are sent, so it goes out as soon as the head is read. Only HTTP/1.1
  // clients are told, and only when a body is still to come (one that came with the head
  // needs no invitation).
  const auto& head = parser().get();
  if (parser().is_done() || head.version() < 11 || !beast::iequals(head[bhttp::field::expect], "100-continue"))
    return read_body();
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  std::size_t sent = 0;
  if (!tls_) {
    beast::error_code ec;
    sent = write_now(net::buffer(kContinue.data(), kContinue.size()), ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) return do_close();
    if (sent == kContinue.size()) return read_body();
  }
  auto then = [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->do_close();
    self->read_body();
  };
  const auto rest = net::buffer(kContinue.data() + sent, kContinue.size() - sent);
  if (tls_) return net::async_write(*tls_, rest, tls_handler(std::move(then)));
  net::async_write(socket_, rest, std::move(then));
}

void Session::on_head(beast::error_code ec) {
  if (ec) return on_read(ec, 0);
  note_origin();
  if (auto refused = expectation_refusal()) {
    head_state_.reset();  // no body will be read
    busy_ = true;
    return write_reply(std::move(*refused));
  }
  if (!limits_->head_first) return continue_then_read_body();
  std::uint64_t limit = limits_->body_limit;
  std::optional<Reply> refusal = handler_.check_head(parser().get(), limit, head_state_);
  // Beast compares Content-Length with the body limit only while parsing the head, which is
  // done: a declared length above the handler's limit is refused here, before any body byte.
  if (!refusal && parser().content_length() && *parser().content_length() > limit)
    refusal = Reply{413, kText, "http: request body too large\n", {}};
  if (refusal) {
    head_state_.reset();  // no body will come
    busy_ = true;
    refusal->close = true;  // the unread body would otherwise be taken for the next request
    return write_reply(std::move(*refusal));
  }
  parser().body_limit(limit);  // also bounds a chunked body as it arrives
  continue_then_read_body();
}

void Session::note_origin() {
  if (!limits_->cors) {
    cors_origin_ = {};
  } else if (limits_->cors->allows_all()) {
    cors_origin_ = limits_->cors->allow_origin({});
  } else {
    const auto origin = parser().get()[bhttp::field::origin];
    cors_origin_ = limits_->cors->allow_origin(std::string_view(origin.data(), origin.size()));
  }
}

void Session::on_read(beast::error_code ec, std::size_t) {
  if (ec) head_state_.reset();  // the body never came whole: the handler's state ends unrouted
  if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::eof)
    return do_close();
  if (ec == bhttp::error::body_limit) {
    note_origin();
    busy_ = true;
    Reply big{413, kText, "http: request body too large\n", {}};
    big.close = true;
    return write_reply(std::move(big));
  }
  if (ec) {
    // A TLS failure (a client that went away without close_notify, a bad record) ends it.
    if (ec.category() == net::error::get_ssl_category() || ec == net::ssl::error::stream_truncated) {
      tls_open_ = false;  // OpenSSL's state is broken: no orderly shutdown
      return do_close();
    }
    // Malformed HTTP: answer as Go's server does, then close.
    busy_ = true;
    Reply bad{400, kText, "400 Bad Request", {}};
    bad.close = bad.bare = true;
    return write_reply(std::move(bad));
  }
  busy_ = true;
  deadline_ = kNoDeadline;  // plain: the handler may take its time (a TLS session has no read pending)
  note_origin();
  // A request read whole at once (parse_buffered) did not pass on_head().
  if (auto refused = expectation_refusal()) return write_reply(std::move(*refused));
  HttpRequest request = parser().release();
  keep_alive_ = request.keep_alive();
  http_10_ = request.version() == 10;
  handler_.route(std::move(request), shared_from_this());
}

void Session::reply(Reply reply) {
  // dispatch: from a handler on the strand, or from an io thread in no strand while the strand
  // is idle, the answer is written at once instead of after another pass through the queue.
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), r = std::move(reply)]() mutable {
    if (self->closed_ || self->streaming_ || !self->busy_) return;
    self->write_reply(std::move(r));
  });
}

void Session::write_reply(Reply reply) {
  const bool close = reply.close || !keep_alive_;
  const bool with_body = !reply.head_only && reply.status != 204;
  const bool gathered = with_body && reply.body.size() > kGatheredBodyBytes;
  std::string& out = write_buffer_;  // reused: no allocation once it has grown
  out.clear();
  out.reserve((with_body && !gathered ? reply.body.size() : 0) + 320);
  append_head(out, reply, cors_origin_);
  // 204 carries neither a body nor a length (RFC 9110 §8.6).
  if (reply.status != 204) append_header_line(out, "Content-Length", std::to_string(reply.body.size()));
  if (close) {
    append_header_line(out, "Connection", "close");
  } else if (http_10_) {
    append_header_line(out, "Connection", "keep-alive");
  }
  out += "\r\n";
  if (gathered) return write_gathered(std::move(reply.body), close);
  if (with_body) out += reply.body;
  // Most answers fit in the socket's buffer: written at once, they need no completion handler,
  // no trip through the scheduler and no write timer.
  std::size_t written = 0;
  if (!tls_) {
    beast::error_code ec;
    written = write_now(net::buffer(out), ec);
    if (ec || written == out.size()) return on_write(close, ec);
  }
  writing_ = true;
  set_deadline(std::chrono::steady_clock::now() + kWriteTimeout);
  const auto rest = net::buffer(out.data() + written, out.size() - written);
  auto done = [self = shared_from_this(), close](beast::error_code e, std::size_t) { self->on_write(close, e); };
  if (tls_) return net::async_write(*tls_, rest, tls_handler(std::move(done)));
  net::async_write(socket_, rest, std::move(done));
}

void Session::write_gathered(std::string body, bool close) {
  // The body stays in write_body_ until on_write(): the write reads it in place.
  write_body_ = std::move(body);
  const std::array<net::const_buffer, 2> whole{net::buffer(write_buffer_), net::buffer(write_body_)};
  std::size_t written = 0;
  if (!tls_) {
    beast::error_code ec;
    written = write_now(whole, ec);
    if (ec || written == write_buffer_.size() + write_body_.size()) return on_write(close, ec);
  }
  writing_ = true;
  set_deadline(std::chrono::steady_clock::now() + kWriteTimeout);
  std::array<net::const_buffer, 2> rest = whole;
  const std::size_t of_head = std::min(written, write_buffer_.size());
  rest[0] += of_head;
  rest[1] += written - of_head;
  auto done = [self = shared_from_this(), close](beast::error_code e, std::size_t) { self->on_write(close, e); };
  if (tls_) return net::async_write(*tls_, rest, tls_handler(std::move(done)));
  net::async_write(socket_, rest, std::move(done));
}

template <class Buffers>
std::size_t Session::write_now(const Buffers& buffers, beast::error_code& ec) {
  const std::size_t n = socket_.write_some(buffers, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
  return ec ? 0 : n;
}

void Session::on_write(bool close, beast::error_code ec) {
  writing_ = false;
  abandon_fn_ = nullptr;  // the exchange completed: nothing left to cancel
  std::string().swap(write_body_);  // a large answer's body: the session keeps none
  if (ec || close) return do_close();
  busy_ = false;
  answered_ = true;
  // An idle connection keeps no large buffer: a 1 MB answer or a large request's read-ahead
  // would otherwise stay allocated for as long as the client keeps the connection.
  if (write_buffer_.capacity() > kKeptBufferBytes) std::string().swap(write_buffer_);
  if (buffer_.size() == 0 && buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
  do_read();
}

void Session::upgrade(Reply head, SocketTaker take) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), head = std::move(head), take = std::move(take)]() mutable {
    if (self->closed_ || self->streaming_ || !self->busy_) return;
    std::string& out = self->write_buffer_;
    out.clear();
    head.bare = true;
    append_head(out, head, {});
    out += "\r\n";
    self->writing_ = true;
    self->set_deadline(std::chrono::steady_clock::now() + kWriteTimeout);
    auto written = [self, take = std::move(take)](beast::error_code ec, std::size_t) mutable {
      self->writing_ = false;
      if (ec || self->closed_) return self->do_close();
      // From here the socket belongs to `take`: the session neither reads nor closes it again.
      std::string leftover = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->closed_ = true;
      self->abandon_fn_ = nullptr;
      self->set_deadline(kNoDeadline);
      self->timer_.cancel();
      // Braced initialisation runs in order: the socket is chosen before tls_ is moved.
      UpgradedStream handed{self->tls_ ? net::ip::tcp::socket(self->socket_.get_executor()) : std::move(self->socket_),
                            std::move(self->tls_), self->tls_context_};
      take(std::move(handed), std::move(leftover));
    };
    if (self->tls_) return net::async_write(*self->tls_, net::buffer(out), self->tls_handler(std::move(written)));
    net::async_write(self->socket_, net::buffer(out), std::move(written));
  });
}

void Session::on_abandon(std::function<void()> fn) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), fn = std::move(fn)]() mutable {
    if (self->closed_) {
      fn();
      return;
    }
    self->abandon_fn_ = std::move(fn);
  });
}

void Session::begin_stream(Reply head) {
  // dispatch, not post: called on the strand, the head must be queued before any chunk that
  // another thread posts afterwards.
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), h = std::move(head)]() mutable {
    if (self->closed_ || self->streaming_ || !self->busy_) return;
    self->write_stream_head(std::move(h));
  });
}

void Session::write_stream_head(Reply head) {
  streaming_ = true;
  set_deadline(kNoDeadline);
  if (!tls_) timer_.cancel();  // frees the pending wait (a stream has no deadline)
  // A stream may stay open for hours with nothing to read or answer: it keeps no buffer of the
  // exchanges before it (bytes a pipelining client sent ahead stay in buffer_).
  buffer_.shrink_to_fit();
  std::string().swap(write_buffer_);
  parser_.reset();  // the request was routed; the next one (do_read) gets a new parser
  // Invariant: chunks_ is empty (queue_frames() takes frames only once streaming_ is set).
  chunks_.push_back(SharedBytes(stream_head(head, keep_alive_, cors_origin_)));
  stream_bytes_ += chunks_.front().size();
  pump_stream();
  watch_for_close();
}

void Session::send_frames(SharedBytes frames, bool last) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), f = std::move(frames), last]() mutable {
    self->queue_frames(std::move(f), last);
  });
}

bool Session::enqueue_frames(SharedBytes frames, bool last) {
  std::lock_guard lock(enqueued_mu_);
  enqueued_.emplace_back(std::move(frames), last);
  return enqueued_.size() == 1;
}

void Session::send_enqueued() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    std::vector<std::pair<SharedBytes, bool>> frames;
    {
      std::lock_guard lock(self->enqueued_mu_);
      frames.swap(self->enqueued_);  // the next enqueue_frames() asks for another send_enqueued()
    }
    for (auto& [f, last] : frames) self->queue_frames(std::move(f), last);
  });
}

net::any_io_executor Session::io_executor() {
  auto executor = socket_.get_executor();
  if (const IoStrand* strand = executor.target<IoStrand>()) return strand->get_inner_executor();
  return executor;  // not on a strand of an io_context: its own executor is all there is
}

bool Session::on_io_thread() {
  auto executor = socket_.get_executor();
  const IoStrand* strand = executor.target<IoStrand>();
  return strand != nullptr && strand->get_inner_executor().running_in_this_thread();
}

void Session::queue_frames(SharedBytes frames, bool last) {
  if (closed_ || !streaming_ || stream_ending_) return;
  if (chunks_.size() >= limits_->max_queued_chunks) return do_close();  // hopelessly behind
  // Behind by more bytes than allowed: the client does not read (or reads too slowly). A lone
  // frame goes out whatever its size, so one large value always reaches a reading watcher.
  if (stream_bytes_ > 0 && stream_bytes_ + frames.size() > limits_->max_queued_bytes) return do_close();
  stream_bytes_ += frames.size();
  chunks_.push_back(std::move(frames));
  if (last) stream_ending_ = true;
  pump_stream();
}

void Session::pump_stream() {
  if (closed_ || writing_) return;
  if (chunks_.empty()) {
    if (stream_ending_) {
      // The answer is complete: stop watching for close and go back to reading requests.
      streaming_ = false;
      stream_ending_ = false;
      abandon_fn_ = nullptr;
      if (!keep_alive_) return do_close();
      // The read watch_for_close() left pending now waits for the next request: when bytes
      // arrive it hands them to do_read(). Cancelling it and reading anew would cost every
      // one-shot watcher a cancel, a handler and a failed read. Until that request starts,
      // the idle timeout is not armed: as with an open watch (and as in etcd, which has no
      // idle timeout), an idle client may keep the connection.
      busy_ = false;
      if (buffer_.size() > 0) {
        // A pipelined request arrived during the stream and no more bytes may come: stop the
        // pending read, whose handler then parses what is buffered.
        beast::error_code ignored;
        socket().cancel(ignored);
      }
    }
    return;
  }
  // Everything queued goes out in one gathered write: a stream that fell behind catches up
  // with one system call. As for answers: written at once when the socket takes it all (a
  // watcher's event always does), with no completion handler; otherwise the rest goes out
  // asynchronously. Invariant: with no write in flight, stream_bytes_ is what chunks_ holds.
  std::size_t written = 0;
  if (!tls_) {
    beast::error_code ec;
    if (chunks_.size() == 1) {
      written = write_now(net::buffer(chunks_.front().data(), chunks_.front().size()), ec);  // one frame (the usual case): no gather list kept
    } else {
      gather_.clear();
      for (const auto& frames : chunks_) gather_.emplace_back(frames.data(), frames.size());
      written = write_now(gather_, ec);
    }
    if (ec) return do_close();
    if (written == stream_bytes_) {
      stream_bytes_ = 0;
      chunks_.clear();
      return pump_stream();  // chunks_ is empty now: ends the stream if asked, else waits
    }
  }
  // in_flight_ keeps the bytes alive until the write completes.
  in_flight_.clear();
  in_flight_.swap(chunks_);
  gather_.clear();
  for (const auto& frames : in_flight_) gather_.emplace_back(frames.data(), frames.size());
  std::size_t first = 0;
  while (written >= gather_[first].size()) written -= gather_[first++].size();
  gather_.erase(gather_.begin(), gather_.begin() + static_cast<std::ptrdiff_t>(first));
  gather_.front() += written;
  writing_ = true;
  auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    self->release_in_flight();
    if (ec) return self->do_close();
    self->pump_stream();
  };
  if (tls_) return net::async_write(*tls_, gather_, tls_handler(std::move(done)));
  // A single buffer (the usual case: one event, terminator included) needs no copy of gather_.
  if (gather_.size() == 1) return net::async_write(socket_, gather_.front(), std::move(done));
  net::async_write(socket_, gather_, std::move(done));
}

void Session::release_in_flight() {
  for (const auto& frames : in_flight_) stream_bytes_ -= frames.size();
  in_flight_.clear();
}

void Session::watch_for_close() {
  // While a stream is open the client should send nothing; a read that ends means it left.
  // Bytes that do arrive (a pipelined request) are kept in buffer_ for the next do_read(),
  // which starts once the stream has ended (then streaming_ is false). They are bounded like
  // any unparsed bytes: a client that sends more while it watches is cut off.
  constexpr std::size_t kReadSize = 4096;
  if (buffer_.size() + kReadSize > buffer_.max_size()) {
    if (streaming_) return do_close();
    return do_read();  // the stream has ended: the parser takes what is buffered
  }
  auto read = [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec == net::error::operation_aborted && !self->streaming_) return self->do_read();
    if (ec) return self->abandon(), self->do_close();
    self->buffer_.commit(n);
    if (self->streaming_) return self->watch_for_close();
    self->do_read();
  };
  if (tls_) return tls_->async_read_some(buffer_.prepare(kReadSize), tls_handler(std::move(read)));
  // Plain: wait for readability, then read what came at once, so that an idle watcher holds no
  // read buffer while it waits (a 4 KiB one was half of a watcher's memory); TLS must read.
  socket_.async_wait(net::socket_base::wait_read,
                              [self = shared_from_this(), read = std::move(read)](beast::error_code ec) mutable {
                                if (ec) return read(ec, 0);
                                beast::error_code read_ec;
                                // What the buffer holds already, or 512 bytes: a 4 KiB
                                // allocation for each watcher that comes back with its next
                                // request is past glibc's small bins, and each one made malloc
                                // consolidate its fast bins (2% of a fan-out's CPU). The rest of
                                // a longer request is read by do_read().
                                const std::size_t n = self->socket_.read_some(
                                    self->buffer_.prepare(beast::read_size(self->buffer_, kReadSize)), read_ec);
                                if (read_ec == net::error::would_block || read_ec == net::error::try_again) {
                                  if (self->closed_) return;
                                  return self->watch_for_close();  // a spurious wake-up
                                }
                                read(read_ec, n);
                              });
}

void Session::abandon() {
  if (auto fn = std::move(abandon_fn_)) {
    abandon_fn_ = nullptr;
    fn();
  }
}

void Session::do_close() {
  if (closed_) return;
  closed_ = true;
  abandon();
  timer_.cancel();  // its handler holds the session
  if (tls_ && tls_open_ && tls_pending_ == 0) {
    // An orderly TLS close: send close_notify (and wait briefly for the client's), so the client
    // can tell the end of the connection from a truncation. Only with no other operation in
    // flight on the stream (OpenSSL's state is one per connection); otherwise, as after a TLS
    // error, the socket is just closed.
    tls_open_ = false;
    tls_->next_layer().expires_after(kTlsShutdownTimeout);
    return tls_->async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      self->socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      self->socket().close(ignored);
    });
  }
  beast::error_code ignored;
  socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

}  // namespace coord::http
