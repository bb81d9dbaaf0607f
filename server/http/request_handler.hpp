// RequestHandler: what a Session hands each complete request to. The client API's Router and
// the peer API's handler (server/transport) implement it. Called on the session's strand; an
// implementation answers through the session now or later (Session::reply is thread-safe).
#pragma once

#include <memory>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace coord::http {

class Session;
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void route(HttpRequest request, std::shared_ptr<Session> session) = 0;
};

}  // namespace coord::http
