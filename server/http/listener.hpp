// Listener: accepts client connections on one address and starts a Session for each, on its
// own strand. Runs on the server's io_context; safe to close() from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "server/common/status.hpp"
#include "server/http/session.hpp"

namespace coord::http {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& ioc, RequestHandler& handler, SessionLimits limits);

  // Binds and listens; the error names the address (e.g. "address already in use").
  Status open(const boost::asio::ip::tcp::endpoint& endpoint);
  void start();
  void close();

 private:
  void do_accept();

  boost::asio::io_context& ioc_;
  RequestHandler& handler_;
  const SessionLimits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace coord::http
