#include "server/http/http_server.hpp"

#include "server/http/listener.hpp"

namespace coord::http {

HttpServer::HttpServer(boost::asio::io_context& ioc, RequestHandler& handler, SessionLimits limits)
    : ioc_(ioc), handler_(handler), limits_(limits) {}

HttpServer::HttpServer(boost::asio::io_context& ioc, RequestHandler& handler, SessionLimits limits,
                       std::vector<boost::asio::io_context*> session_contexts)
    : ioc_(ioc), handler_(handler), limits_(limits), session_contexts_(std::move(session_contexts)) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start(const std::vector<ListenAddress>& addresses) {
  std::vector<std::shared_ptr<Listener>> opened;
  for (const auto& address : addresses) {
    auto listener = std::make_shared<Listener>(ioc_, handler_, limits_, address.tls, session_contexts_);
    COORD_RETURN_IF_ERROR(listener->open(address.endpoint));
    opened.push_back(std::move(listener));
  }
  for (auto& l : opened) l->start();
  listeners_ = std::move(opened);
  return Status::ok();
}

void HttpServer::stop() {
  for (auto& l : listeners_) l->close();
  listeners_.clear();
}

}  // namespace coord::http
