// HttpServer: the client API — one io_context run by a few threads, a Listener per
// --listen-client-urls address, and the Router every Session hands its requests to.
// start() and stop() are called by main's thread; everything else runs on the io threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "server/common/status.hpp"
#include "server/http/router.hpp"
#include "server/http/session.hpp"

namespace coord::node {
class Node;
}

namespace coord::http {

class Listener;

struct HttpServerOptions {
  std::vector<boost::asio::ip::tcp::endpoint> listen;
  int threads = 2;
  SessionLimits limits;
  RouterOptions router;
};

class HttpServer {
 public:
  HttpServer(node::Node& node, HttpServerOptions options);
  ~HttpServer();

  // Binds every address (all or nothing) and starts serving.
  Status start();
  // Stops accepting, closes the io_context and joins its threads. Idempotent.
  void stop();

 private:
  HttpServerOptions options_;
  boost::asio::io_context ioc_;
  Router router_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::vector<std::thread> threads_;
};

}  // namespace coord::http
