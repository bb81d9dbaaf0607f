// Listener: accepts client connections on one address and starts a Session for each, on its
// own strand; on an https address each session first does a TLS handshake with the context
// the ContextSource gives at that moment (so rotated certificates reach new connections).
// Client connections get TCP keepalive, so half-open ones end. With SessionLimits::connections
// every session holds a slot of that limit; with none free, or when accept fails for want of
// descriptors, the listener pauses (backing off up to a second) instead of spinning or stopping.
// Runs on the server's io_context; sessions go there too, or to the given session contexts in
// turn. Safe to close() from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "server/common/status.hpp"
#include "server/http/session.hpp"
#include "server/tls/context_source.hpp"

namespace coord::http {

// Sets what every client connection gets on `acceptor`, a listening socket: TCP_NODELAY, and
// TCP keepalive as Go sets it on accepted connections (a peer that vanished without a FIN or
// RST is detected within about idle + count * interval, and its session ends). Linux copies a
// listening socket's options to each connection it accepts: set once here, they cost no
// system call per connection (five before).
Status set_client_socket_options(boost::asio::ip::tcp::acceptor& acceptor);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // `tls` null: plain TCP. `session_contexts` empty: sessions on `ioc`.
  Listener(boost::asio::io_context& ioc, RequestHandler& handler, SessionLimits limits,
           std::shared_ptr<tls::ContextSource> tls = nullptr,
           std::vector<boost::asio::io_context*> session_contexts = {});

  // Binds and listens; the error names the address (e.g. "address already in use").
  Status open(const boost::asio::ip::tcp::endpoint& endpoint);
  void start();
  void close();

 private:
  void do_accept();
  void retry_later();

  boost::asio::io_context& ioc_;
  RequestHandler& handler_;
  const std::shared_ptr<const SessionLimits> limits_;  // shared by every session (never null)
  const std::shared_ptr<tls::ContextSource> tls_;
  const std::vector<boost::asio::io_context*> session_contexts_;
  // On the acceptor's strand.
  std::size_t next_context_ = 0;  // the session context of the next connection
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_;  // the next pause; back to the first after an accept
  bool reported_ = false;              // a full limit or an accept error was logged since the last accept
};

}  // namespace coord::http
