// Forward: one client request carried to a member and its answer carried back, untouched: the
// member's status, headers (less hop-by-hop ones) and body. A chunked answer (a long-poll or
// stream=true watch) is passed on chunk by chunk as it arrives, never buffered to the end.
//
// Which member: the first endpoint of the EndpointSet not held out. Only a failed dial moves on
// to the next endpoint (and holds the failed one out for the failure wait); once a request may
// have reached a member it is never sent again, so no POST is ever applied twice. Answers of
// the proxy itself use etcd's words: 503 "httpproxy: zero endpoints currently available" when
// no member can be dialed, 502 "httpproxy: unable to get response from N endpoint(s)" when the
// member in use fails before answering.
//
// Thread-safety: created on the client session's strand; the upstream connection is one of the
// session's EventLoops::Loop, so its handlers run on that loop's one thread (the session's
// thread); the session is called only through its thread-safe methods.
#pragma once

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "server/http/session.hpp"
#include "server/proxy/endpoint_set.hpp"
#include "server/proxy/event_loops.hpp"
#include "server/proxy/upstream_pool.hpp"

namespace coord::proxy {

// What every Forward shares: set once at start, read-only after.
struct ForwardContext {
  const EventLoops& loops;
  const EndpointSet& endpoints;
  std::chrono::milliseconds dial_timeout{1000};
  std::chrono::milliseconds write_timeout{5000};  // 0: none
  std::chrono::milliseconds read_timeout{0};      // 0: none (watches wait as long as they need)
};

class Forward : public std::enable_shared_from_this<Forward> {
 public:
  Forward(const ForwardContext& context, http::HttpRequest request, std::shared_ptr<http::Session> session);
  void start();

 private:
  void try_next();
  void on_connect(boost::beast::error_code ec);
  void send();
  void on_sent(boost::beast::error_code ec);
  void on_header(boost::beast::error_code ec);
  void on_body(boost::beast::error_code ec);
  void start_stream();
  void read_stream();
  void on_stream_read(boost::beast::error_code ec);
  // The member in use failed after the request may have reached it: 502, never a retry.
  void fail_after_send(const char* where, boost::beast::error_code ec);
  http::Reply answer_head() const;
  // Gives the connection back to the pool when the member keeps it open, else closes it.
  void done_with_connection(bool keep_alive);
  void arm_read_timer();

  // Constant after construction.
  const ForwardContext& context_;
  const std::shared_ptr<http::Session> session_;
  const bool head_request_;
  EventLoops::Loop& loop_;  // the session's loop: new and pooled connections to members are its
  std::string wire_;  // the request as sent to the member
  std::shared_ptr<const EndpointSet::List> list_;

  // Touched only by the handler that runs now (one at a time: a chain on the connection's strand).
  std::size_t next_ = 0;        // next index in list_ to try
  std::size_t attempts_ = 0;    // endpoints tried (dialed or taken from the pool)
  const Endpoint* endpoint_ = nullptr;
  std::unique_ptr<UpstreamConnection> connection_;
  // Passes each piece of a chunked answer on; the parser holds a reference, so it is declared
  // (and outlives) before parser_.
  std::function<std::size_t(std::uint64_t, boost::beast::string_view, boost::beast::error_code&)> on_chunk_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  bool pooled_ = false;     // connection_ came from the pool (it may have been closed meanwhile)
  bool streaming_ = false;
  bool abandoned_ = false;  // the client went away: stop reading, drop the connection
};

}  // namespace coord::proxy
