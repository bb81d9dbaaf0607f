#include "server/proxy/forward.hpp"
#include "server/common/log.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <cstdio>

namespace coord::proxy {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

// Largest member answer passed on whole (a recursive GET of a big directory); a chunked answer
// is passed on as it comes and has no such bound.
constexpr std::uint64_t kMaxAnswerBytes = std::uint64_t{1} << 30;

const SharedBytes kLastChunkBytes{http::kLastChunk};

// Hop-by-hop headers (RFC 9110 §7.6.1, the list etcd's proxy drops in both directions), and
// the framing headers this proxy writes itself. Expect is dropped because the body is already
// here: a member must not answer 100 Continue first.
bool dropped(bhttp::field f) {
  switch (f) {
    case bhttp::field::connection:
    case bhttp::field::keep_alive:
    case bhttp::field::proxy_authenticate:
    case bhttp::field::proxy_authorization:
    case bhttp::field::te:
    case bhttp::field::trailer:
    case bhttp::field::transfer_encoding:
    case bhttp::field::upgrade:
    case bhttp::field::content_length:
    case bhttp::field::expect:
      return true;
    default:
      return false;
  }
}

std::string json_message(const std::string& message) { return "{\"message\":\"" + message + "\"}"; }

}  // namespace

Forward::Forward(const ForwardContext& context, http::HttpRequest request, std::shared_ptr<http::Session> session)
    : context_(context),
      session_(std::move(session)),
      head_request_(request.method() == bhttp::verb::head),
      loop_(context.loops.loop_for(session_->io_executor())) {
  const auto method = request.method_string();
  const auto target = request.target();
  const auto& body = request.body();
  wire_.reserve(256 + body.size());
  wire_.append(method.data(), method.size());
  wire_ += ' ';
  wire_.append(target.data(), target.size());
  wire_ += " HTTP/1.1\r\n";
  for (const auto& field : request)
    if (!dropped(field.name())) http::append_header_line(wire_, field.name_string(), field.value());
  const auto verb = request.method();
  if (!body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put || verb == bhttp::verb::patch)
    http::append_header_line(wire_, "Content-Length", std::to_string(body.size()));
  wire_ += "\r\n";
  wire_ += body;
}

void Forward::start() {
  list_ = context_.endpoints.snapshot();
  try_next();
}

void Forward::try_next() {
  const auto now = EndpointSet::Clock::now();
  while (next_ < list_->size()) {
    const Endpoint& e = (*list_)[next_++];
    if (!EndpointSet::available(e, now)) continue;
    endpoint_ = &e;
    ++attempts_;
    // A pooled connection is this exchange's alone (nothing is pending on it), so the request
    // goes out from here at once; its completions then run on the loop's thread.
    connection_ = loop_.pool.take(e.url);
    pooled_ = connection_ != nullptr;
    if (pooled_) return send();
    boost::system::error_code ec;
    const auto address = net::ip::make_address(e.host, ec);
    if (ec) {  // a member advertising a host name: not dialable here, held out like a failed dial
      context_.endpoints.mark_failed(e);
      continue;
    }
    connection_ = std::make_unique<UpstreamConnection>(loop_.ioc);
    connection_->stream.expires_after(context_.dial_timeout);
    connection_->stream.async_connect(net::ip::tcp::endpoint(address, e.port),
                                      [self = shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
    return;
  }
  // No member could be dialed: nothing was sent anywhere.
  http::Reply r{503, http::kJson, json_message("httpproxy: zero endpoints currently available"), {}};
  session_->reply(std::move(r));
}

void Forward::on_connect(beast::error_code ec) {
  if (ec) {
    COORD_LOG_WARN("proxy: cannot reach " + endpoint_->url + " (" + ec.message() + "): held out");
    context_.endpoints.mark_failed(*endpoint_);
    connection_.reset();
    return try_next();
  }
  beast::error_code ignored;
  connection_->stream.socket().set_option(net::ip::tcp::no_delay(true), ignored);
  // Synchronous calls must never block an io thread: send() relies on this.
  connection_->stream.socket().non_blocking(true, ignored);
  send();
}

void Forward::send() {
  // Most requests fit in the socket's buffer: written at once, they skip a trip through the
  // reactor (the socket is non-blocking; a full buffer leaves the rest to the async write).
  beast::error_code ec;
  const std::size_t written = connection_->stream.socket().write_some(net::buffer(wire_), ec);
  if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
  if (ec) {
    // Refused before a byte left: the member never saw this request, so it may go again. A
    // pooled connection the member had just closed is replaced by a new one to the same
    // member; a new connection refused at once counts as a failed dial.
    connection_.reset();
    if (pooled_) {
      --next_;
      --attempts_;
    } else {
      context_.endpoints.mark_failed(*endpoint_);
    }
    return try_next();
  }
  if (written == wire_.size()) return on_sent({});
  wire_.erase(0, written);
  if (context_.write_timeout.count() > 0) {
    connection_->stream.expires_after(context_.write_timeout);
  } else {
    connection_->stream.expires_never();
  }
  net::async_write(connection_->stream, net::buffer(wire_),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_sent(ec); });
}

void Forward::arm_read_timer() {
  if (context_.read_timeout.count() > 0) {
    connection_->stream.expires_after(context_.read_timeout);
  } else {
    connection_->stream.expires_never();
  }
}

void Forward::on_sent(beast::error_code ec) {
  if (ec) return fail_after_send("send", ec);
  parser_.emplace();
  parser_->body_limit(kMaxAnswerBytes);
  if (head_request_) parser_->skip(true);  // an answer to HEAD has a length but no body
  arm_read_timer();
  bhttp::async_read_header(connection_->stream, connection_->buffer, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void Forward::on_header(beast::error_code ec) {
  if (ec) return fail_after_send("read the answer head", ec);
  if (parser_->chunked()) return start_stream();
  // The body usually came with the head: parse what is buffered now rather than through
  // another pass of the read machinery.
  if (!parser_->is_done() && connection_->buffer.size() > 0) {
    beast::error_code parse_ec;
    const auto used = parser_->put(connection_->buffer.data(), parse_ec);
    connection_->buffer.consume(used);
    if (parse_ec && parse_ec != bhttp::error::need_more) return fail_after_send("parse the answer", parse_ec);
  }
  if (parser_->is_done()) return on_body({});
  bhttp::async_read(connection_->stream, connection_->buffer, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

http::Reply Forward::answer_head() const {
  const auto& res = parser_->get();
  http::Reply r;
  r.status = static_cast<int>(res.result_int());
  r.bare = true;  // the member's own headers (CORS included) are the answer's; the proxy adds none
  for (const auto& field : res)
    if (!dropped(field.name())) r.header(field.name_string(), field.value());
  return r;
}

void Forward::on_body(beast::error_code ec) {
  if (ec) return fail_after_send("read the answer", ec);
  http::Reply r = answer_head();
  if (head_request_) {
    // The session writes Content-Length from the body's size and, for HEAD, leaves the body
    // out: a body of the member's stated length gives the client the member's header.
    std::uint64_t length = 0;
    const auto text = parser_->get()[bhttp::field::content_length];
    std::from_chars(text.data(), text.data() + text.size(), length);
    r.body.assign(static_cast<std::size_t>(std::min(length, kMaxAnswerBytes)), ' ');
    r.head_only = true;
  } else {
    r.body = std::move(parser_->get().body());
  }
  const bool keep = parser_->keep_alive();
  session_->reply(std::move(r));
  done_with_connection(keep);
}

void Forward::start_stream() {
  streaming_ = true;
  // The client leaving ends the exchange with the member too: a watch must not outlive its reader.
  // Posted, not run inline: the session may notice the client leaving inside a call from this
  // Forward (send_frames from on_chunk_), and the connection must not close under its own read.
  std::weak_ptr<Forward> weak = shared_from_this();
  session_->on_abandon([weak, executor = connection_->stream.get_executor()] {
    net::post(executor, [weak] {
      auto self = weak.lock();
      if (!self) return;
      self->abandoned_ = true;
      if (self->connection_) self->connection_->stream.close();
    });
  });
  session_->begin_stream(answer_head());
  on_chunk_ = [this](std::uint64_t, beast::string_view data, beast::error_code&) -> std::size_t {
    std::string frame;
    frame.reserve(data.size() + 16);
    http::append_chunk(frame, std::string_view(data.data(), data.size()));
    session_->send_frames(SharedBytes(std::move(frame)), false);
    return data.size();  // consumed: nothing is kept in the parser's body
  };
  parser_->on_chunk_body(on_chunk_);
  read_stream();
}

void Forward::read_stream() {
  arm_read_timer();
  bhttp::async_read_some(connection_->stream, connection_->buffer, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_stream_read(ec); });
}

void Forward::on_stream_read(beast::error_code ec) {
  if (abandoned_) {
    connection_.reset();
    return;
  }
  if (ec) return fail_after_send("read the answer stream", ec);
  if (!parser_->is_done()) return read_stream();
  session_->send_frames(kLastChunkBytes, true);
  done_with_connection(parser_->keep_alive());
}

void Forward::fail_after_send(const char* where, beast::error_code ec) {
  if (abandoned_) {
    connection_.reset();
    return;
  }
  COORD_LOG_WARN(std::string("proxy: ") + where + " from " + endpoint_->url + " failed (" + ec.message() +
                 "); the request is not sent again");
  connection_.reset();
  if (streaming_) {
    // The head is gone: end the stream where the member left it, as etcd's proxy does. The
    // member is not held out: a quiet watch past --proxy-read-timeout ends the same way, and a
    // member that is really gone fails its next dial.
    session_->send_frames(kLastChunkBytes, true);
    return;
  }
  context_.endpoints.mark_failed(*endpoint_);
  http::Reply r{502, http::kJson,
                json_message("httpproxy: unable to get response from " + std::to_string(attempts_) + " endpoint(s)"), {}};
  session_->reply(std::move(r));
}

void Forward::done_with_connection(bool keep_alive) {
  if (keep_alive && connection_->buffer.size() == 0) {
    connection_->stream.expires_never();
    loop_.pool.give_back(endpoint_->url, std::move(connection_));
  }
  connection_.reset();
}

}  // namespace coord::proxy
