// HttpServer: a set of listeners (one per --listen-*-urls address) that hand every request to
// one RequestHandler: the client API's Router, or the peer API's Transport. Runs on an
// io_context owned by the caller (main runs it on a few threads). start() and stop() are
// called from main's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <vector>

#include "server/common/status.hpp"
#include "server/http/request_handler.hpp"
#include "server/http/session.hpp"
#include "server/tls/context_source.hpp"

namespace coord::http {

class Listener;

// One address to listen on; with `tls` it serves https.
struct ListenAddress {
  boost::asio::ip::tcp::endpoint endpoint;
  std::shared_ptr<tls::ContextSource> tls;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, RequestHandler& handler, SessionLimits limits);
  // Listeners run on `ioc`; sessions are placed on `session_contexts` in turn (empty: on
  // `ioc`). A caller that runs each of them on one thread keeps every session on one thread.
  HttpServer(boost::asio::io_context& ioc, RequestHandler& handler, SessionLimits limits,
             std::vector<boost::asio::io_context*> session_contexts);
  ~HttpServer();

  // Binds every address (all or nothing) and starts accepting.
  Status start(const std::vector<ListenAddress>& addresses);
  // Stops accepting. Idempotent.
  void stop();

 private:
  boost::asio::io_context& ioc_;
  RequestHandler& handler_;
  const SessionLimits limits_;
  const std::vector<boost::asio::io_context*> session_contexts_;
  std::vector<std::shared_ptr<Listener>> listeners_;
};

}  // namespace coord::http
