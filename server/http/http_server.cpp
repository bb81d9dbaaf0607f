#include "server/http/http_server.hpp"

#include "server/http/listener.hpp"

namespace coord::http {

HttpServer::HttpServer(node::Node& node, HttpServerOptions options)
    : options_(std::move(options)), ioc_(options_.threads), router_(node, options_.router) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  for (const auto& endpoint : options_.listen) {
    auto listener = std::make_shared<Listener>(ioc_, router_, options_.limits);
    COORD_RETURN_IF_ERROR(listener->open(endpoint));
    listeners_.push_back(std::move(listener));
  }
  for (auto& l : listeners_) l->start();
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  return Status::ok();
}

void HttpServer::stop() {
  for (auto& l : listeners_) l->close();
  listeners_.clear();
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace coord::http
