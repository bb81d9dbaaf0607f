// Session: one client connection (Beast shape, the project's style). Reads requests with a timeout and
// a body limit, hands each to its RequestHandler, and writes the answer; keep-alive and pipelined
// requests are served in order, one at a time. A handler answers either at once or later from
// any thread (reply() runs on the session's strand), or turns the exchange into a stream of
// chunks (watches). All private state is touched only on the strand.
//
// Bounds against a hostile client: unparsed bytes (kReadBufferLimit), request bodies
// (body_limit), a watch stream's backlog (max_queued_chunks, max_queued_bytes), and the buffers
// kept between requests (kKeptBufferBytes).
//
// A session speaks plain TCP or TLS (a listener of an https URL gives it an OpenSSL context).
// The plain path reads a pipelining client's next request at once and any other client's with
// one asynchronous read_some (read_or_wait: no Beast read operation per request), and
// writes without waiting when the socket takes the bytes (write_now); a TLS
// session has no such shortcut (OpenSSL owns the record layer) and always writes
// asynchronously. Each check of tls_ is one branch; the plain path is otherwise unchanged. A TLS
// session that closes with no operation in flight sends close_notify first (bounded by a short
// timeout), so its client sees an orderly end rather than a truncation.
//
// Memory of an idle connection (a server may hold tens of thousands): a plain session is a bare
// socket whose reads and writes are bounded by one timer of the session's own (set_deadline),
// not a Beast stream with its timer; and a keep-alive connection that has waited kIdleRelease
// for its next request gives back its read buffer, its last answer's write buffer and its parser,
// then waits for readability with no buffer (go_idle), and so does, at once, every wait of a
// client not seen to come back within kIdleRelease. A busy client keeps them: its requests
// allocate nothing (wait_for_request).
//
// Large bodies (plain sessions): a request body of more than kLargeBodyBytes still to come after
// its head is read straight into the request's body string, in pieces of up to kBodyPieceBytes
// for which the socket's receive low-water mark makes epoll wait (read_large_body), not in the
// 1-2 KB the network delivers at a time through Beast's read loop; an answer body of more than
// kGatheredBodyBytes is written from the Reply's own string after the head, in one gathered
// write, not copied into the write buffer (write_reply).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/common/shared_bytes.hpp"
#include "server/http/cors_policy.hpp"
#include "server/http/reply.hpp"
#include "server/http/request_handler.hpp"

namespace coord::http {

// The terminating chunk of a chunked answer (RFC 9112 §7.1).
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
// Appends `data` framed as one chunk: hex size, CRLF, data, CRLF.
void append_chunk(std::string& out, std::string_view data);

// Bytes of a request head (request line and fields) the parser takes.
inline constexpr std::size_t kRequestHeadLimit = 64 * 1024;
// Bytes a session holds unparsed: a request head, a chunk-size line with its extensions, a
// chunked body's trailers, or requests pipelined behind an open watch. Beyond this the request
// is refused (400) or, while a watch is open, the connection is closed. Bodies do not count:
// the parser consumes them as they arrive (body_limit bounds them).
inline constexpr std::size_t kReadBufferLimit = 2 * kRequestHeadLimit;
// A write or read buffer larger than this is freed once its exchange is over: a large answer or
// request leaves no large buffer behind on an idle connection.
inline constexpr std::size_t kKeptBufferBytes = 64 * 1024;
// A plain session reads a Content-Length body with more than this still to come after its head
// in large pieces (Session::read_large_body); a smaller one, or a chunked one, through Beast.
inline constexpr std::size_t kLargeBodyBytes = 64 * 1024;
// The bytes a large body's reads wait for (the socket's receive low-water mark; less when less
// is to come): a few wake-ups per megabyte, each reading what came at once.
inline constexpr std::size_t kBodyPieceBytes = 256 * 1024;
// An answer body larger than this is written from the Reply's string, after the head from the
// write buffer, in one gathered write; a smaller one is copied behind the head (one buffer,
// reused across requests, one write).
inline constexpr std::size_t kGatheredBodyBytes = 64 * 1024;
// A plain keep-alive connection that has waited this long for its next request releases its
// buffers (Session::go_idle).
inline constexpr std::chrono::milliseconds kIdleRelease{500};

class ConnectionLimit;

struct SessionLimits {
  std::size_t body_limit = 1536 * 1024;              // etcd's default max request size (1.5 MiB)
  std::chrono::seconds read_timeout{60};             // idle keep-alive / slow client bound
  std::size_t max_queued_chunks = 1024;              // a watch stream that falls further behind is closed
  // A watch stream whose unsent bytes (queued and being written) would pass this is closed, as
  // etcd drops a watcher that cannot keep up; one frame alone is always sent whatever its size.
  std::size_t max_queued_bytes = 16 << 20;
  // Shared by the listeners of one side (client or peer): a connection is accepted only with a
  // free slot (null: no limit). Keeps descriptors for the WAL, snapshots and peers when clients
  // hold many.
  std::shared_ptr<ConnectionLimit> connections;
  // Which answers carry etcd's CORS headers (--cors); null: none (the peer and metrics listeners).
  std::shared_ptr<const CorsPolicy> cors = std::make_shared<const CorsPolicy>(std::vector<std::string>{"*"});
  bool tls_check_client_san = false;                 // TLS: the client certificate must name the remote address (peer listener)
  bool head_first = false;                           // read each head, ask RequestHandler::check_head, then the body (peer listener)
};

// A TLS connection: OpenSSL over a Beast TCP stream (whose timer bounds each read and write).
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// A connection handed over by upgrade(): `tls` when the session spoke TLS, else `socket`.
struct UpgradedStream {
  boost::asio::ip::tcp::socket socket;
  std::unique_ptr<TlsStream> tls;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // keeps tls's context alive
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // With a `tls_context` the session first does a TLS server handshake on the socket.
  Session(boost::asio::ip::tcp::socket socket, RequestHandler& handler, SessionLimits limits,
          std::shared_ptr<boost::asio::ssl::context> tls_context = nullptr);
  // As above, with limits shared by many sessions (a listener's): 16 bytes a session, not 72.
  Session(boost::asio::ip::tcp::socket socket, RequestHandler& handler, std::shared_ptr<const SessionLimits> limits,
          std::shared_ptr<boost::asio::ssl::context> tls_context = nullptr);
  ~Session();

  // Holds `slot` (from a ConnectionLimit) until the session ends. Call before start().
  void hold(std::shared_ptr<void> slot) { slot_ = std::move(slot); }
  void start();

  // Answers the current request. Safe from any thread; runs on the strand, inline when the
  // caller is on it or is an io thread outside any strand and the strand is idle.
  void reply(Reply reply);
  // Starts a chunked answer (headers now, body later). Safe from any thread.
  void begin_stream(Reply head);
  // Sends bytes already framed as chunks (see append_chunk) that many sessions may share, so
  // one event reaches thousands of watchers without a copy each. With `last` the bytes must
  // end with the terminating chunk (kLastChunk) and the stream ends after them: one write
  // instead of two. Safe from any thread; from an io thread outside any strand it runs inline
  // when the session's strand is idle.
  void send_frames(SharedBytes frames, bool last);
  // As send_frames(), for events that several threads may hand on: enqueue_frames() fixes
  // their order (call it in event order, from any thread) and send_enqueued() writes what is
  // queued by then, in that order, whichever thread runs it and however late. enqueue_frames()
  // returns true when nothing was waiting: the caller must then see that send_enqueued() runs
  // (later calls ride along with it).
  bool enqueue_frames(SharedBytes frames, bool last);
  void send_enqueued();
  // The io_context executor the session's strand runs on (for work that spans sessions).
  boost::asio::any_io_executor io_executor();
  // True when the calling thread is one of the io threads the session runs on.
  bool on_io_thread();
  // Hands the connection over to another protocol (an HTTP upgrade): writes `head` (a 101
  // answer, sent without CORS or a length), then passes the connection and any bytes already
  // read past the request to `take`, on the strand. The session is over after that. Safe from
  // any thread.
  using SocketTaker = std::function<void(UpgradedStream stream, std::string leftover)>;
  void upgrade(Reply head, SocketTaker take);
  // Runs `fn` once, on the strand, when the client goes away or the session ends while a
  // stream or a pending answer is open (used to cancel watchers). Set before begin_stream.
  void on_abandon(std::function<void()> fn);
  // The common names of the client's verified certificate chain, leaf first (empty over plain
  // TCP or without a client certificate). Call on the strand (from RequestHandler::route).
  const std::vector<std::string>& client_cert_names() const { return client_cert_names_; }
  // What the handler's check_head() kept for the current request (SessionLimits::head_first,
  // the peer listener), handed over once; empty otherwise. Call on the strand (from route()).
  HeadState take_head_state() { return std::move(head_state_); }
  // Bytes the session holds for reading and answering requests (read buffer, parser, write
  // buffer); none while it waits idle. For tests; call on the strand.
  std::size_t held_buffer_bytes() const;

 private:
  void on_tls_handshake(boost::beast::error_code ec);
  void do_read();
  void read_or_wait();
  void wait_for_request();
  // What a read of the next request's bytes brought (n bytes, or the error that ends the session).
  void on_request_bytes(boost::beast::error_code ec, std::size_t n);
  // Parses what buffer_ holds; true when that finished the request (or failed it) and
  // on_read() has run.
  bool parse_buffered();
  // Plain sessions: after kIdleRelease of waiting, frees the buffers and the parser and waits
  // for readability (wait_idle); the pending read is cancelled for that.
  void go_idle();
  void wait_idle();
  // Bounds the read or write in progress: past `when` the session closes (kNoDeadline: none).
  // Plain sessions use timer_; a TLS session its Beast stream's timer.
  void set_deadline(std::chrono::steady_clock::time_point when);
  // The earliest time the timer must wake for: the deadline, or where an idle wait goes idle.
  std::chrono::steady_clock::time_point next_wake() const;
  void arm_timer();
  void on_timer(boost::beast::error_code ec);
  // A fresh parser for the next request, with the session's limits.
  void new_parser();
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_head(boost::beast::error_code ec);
  void read_body();
  // Plain sessions, a Content-Length body with more than kLargeBodyBytes to come: sizes the
  // body string to the declared length (Beast reserved it already, the length being within the
  // body limit) and reads into it, piece by piece, bypassing the parser; on_read() then takes
  // the message as the parser holds it.
  void read_large_body();
  void read_body_piece();
  void on_body_piece(boost::beast::error_code ec, std::size_t n);
  // Sets the socket's SO_RCVLOWAT (plain sessions): epoll reports it readable only once that
  // many bytes (or the end of the stream) are there. 1 outside a large body.
  void set_receive_low_water(std::size_t bytes);
  // The 417 Go's server answers to an Expect header other than 100-continue, or nullopt.
  std::optional<Reply> expectation_refusal() const;
  // Sends "100 Continue" when the client asked for it and a body is to come, then reads it.
  void continue_then_read_body();
  // Sets cors_origin_ from the current request's Origin header (the parser's head).
  void note_origin();
  void write_reply(Reply reply);
  // write_reply() for a body over kGatheredBodyBytes: the head (in write_buffer_) and `body`
  // (kept in write_body_) in one gathered write.
  void write_gathered(std::string body, bool close);
  void on_write(bool close, boost::beast::error_code ec);
  void write_stream_head(Reply head);
  void pump_stream();
  // Writes what the socket takes at once, without waiting (the socket is non-blocking for
  // synchronous calls); returns the bytes written. A full socket buffer is not an error.
  template <class Buffers>
  std::size_t write_now(const Buffers& buffers, boost::beast::error_code& ec);
  void queue_frames(SharedBytes frames, bool last);
  void watch_for_close();
  void abandon();
  void do_close();
  void release_in_flight();
  // Wraps the completion handler of an operation on tls_, counting it in tls_pending_ while it
  // is in flight.
  template <class Handler>
  auto tls_handler(Handler handler);
  // The TCP socket: socket_ for a plain session, the TLS stream's lowest layer otherwise.
  boost::asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer().socket() : socket_; }
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  Parser& parser() { return **parser_; }
  const Parser& parser() const { return **parser_; }

  // Constant after construction.
  RequestHandler& handler_;
  const std::shared_ptr<const SessionLimits> limits_;  // never null

  const std::shared_ptr<boost::asio::ssl::context> tls_context_;  // null: plain TCP

  static constexpr std::chrono::steady_clock::time_point kNoDeadline = std::chrono::steady_clock::time_point::max();

  // Strand-only state.
  boost::asio::ip::tcp::socket socket_;  // the connection of a plain session; unopened with TLS
  std::unique_ptr<TlsStream> tls_;       // the connection of a TLS session
  // Plain sessions: one timer bounds the read or write in progress (deadline_) and makes a
  // waiting session go idle (next_wake). It is re-armed lazily: a request only moves the
  // deadlines later, and the timer, when it fires early, sleeps again until the next of them;
  // only a deadline earlier than its expiry moves it. timer_waits_ counts the pending waits on
  // timer_ (a moved one is pending until its cancelled handler runs).
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_ = kNoDeadline;
  int timer_waits_ = 0;
  std::chrono::steady_clock::time_point idle_deadline_;  // the current request's read deadline
  bool waiting_for_request_ = false;  // an asynchronous wait for the next request is pending
  bool idle_ = false;  // that wait has released the buffers, or is being cancelled to (go_idle)
  // Wait for the next request with the buffers (see wait_for_request): the client came back
  // within kIdleRelease last time, and has not been idle that long since.
  bool keep_buffers_ = false;
  bool answered_ = false;  // an answer has gone out (the first request says nothing of the pace)
  // read_or_wait(): after a read at once found nothing, that many requests are read
  // asynchronously before the next read at once.
  static constexpr int kWaitsAfterEmptyRead = 63;
  int waits_before_read_at_once_ = 0;
  static constexpr int kMaxReadDepth = 8;
  int read_depth_ = 0;  // read_or_wait() calls on the stack (each request read at once nests one)
  boost::beast::flat_buffer buffer_;  // max_size() is kReadBufferLimit
  // Out of line, so that an idle session (go_idle) gives its bytes back; reused across requests.
  std::unique_ptr<std::optional<Parser>> parser_;
  bool keep_alive_ = true;
  // The Access-Control-Allow-Origin value of the current request's answers ("": no CORS
  // headers); a view into limits_->cors (note_origin).
  std::string_view cors_origin_;
  bool http_10_ = false;         // the current request is HTTP/1.0 (keep-alive must be said)
  std::string write_buffer_;     // the answer being written; reused across requests
  // A large answer's body (kGatheredBodyBytes), written after write_buffer_'s head; empty
  // otherwise. Freed when the write completes.
  std::string write_body_;
  std::size_t body_read_ = 0;    // read_large_body(): bytes of the body string filled so far
  int receive_low_water_ = 1;    // the socket's SO_RCVLOWAT (set_receive_low_water)
  bool busy_ = false;            // a request is being answered
  bool streaming_ = false;       // a chunked answer is open
  bool stream_ending_ = false;   // end_stream() was called; finish after queued chunks
  bool writing_ = false;
  bool closed_ = false;
  std::vector<std::string> client_cert_names_;  // set once, after the TLS handshake
  HeadState head_state_;  // head_first only: from check_head() until route() takes it or the body fails
  bool tls_open_ = false;  // TLS: handshake done and no TLS error since (an orderly close is possible)
  int tls_pending_ = 0;    // TLS: operations on tls_ in flight
  std::vector<SharedBytes> chunks_;      // framed, waiting to be written (a deque allocates 576 B at once)
  std::vector<SharedBytes> in_flight_;   // framed, being written (one gathered write)
  std::vector<boost::asio::const_buffer> gather_;  // in_flight_'s bytes, for that write
  std::size_t stream_bytes_ = 0;         // bytes in chunks_ and in_flight_
  std::function<void()> abandon_fn_;
  std::shared_ptr<void> slot_;  // the session's ConnectionLimit slot, released with the session

  // Frames enqueued for the stream, not yet taken by the strand (send_enqueued).
  std::mutex enqueued_mu_;
  std::vector<std::pair<SharedBytes, bool>> enqueued_;  // frames and `last`; guarded by enqueued_mu_
};

}  // namespace coord::http
