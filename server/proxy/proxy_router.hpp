// ProxyRouter: the client API of a proxy (--proxy on|readonly). Every request goes to a member
// through a Forward, except what etcd's proxy answers itself: anything but GET in readonly mode
// (501), OPTIONS (200, the CORS preflight), and GET /v2/config/local/proxy (the endpoints in use).
//
// Thread-safety: route() is called on session strands, concurrently; the router holds only
// constant state and the thread-safe EndpointSet and EventLoops.
#pragma once

#include "server/http/request_handler.hpp"
#include "server/proxy/forward.hpp"

namespace coord::proxy {

class ProxyRouter : public http::RequestHandler {
 public:
  ProxyRouter(ForwardContext context, bool readonly);
  void route(http::HttpRequest request, std::shared_ptr<http::Session> session) override;

 private:
  http::Reply config_reply() const;

  // Constant after construction.
  const ForwardContext context_;
  const bool readonly_;
};

}  // namespace coord::proxy
