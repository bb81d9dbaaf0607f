// RequestHandler: what a Session hands each complete request to. The client API's Router and
// the peer API's handler (server/transport) implement it. Called on the session's strand; an
// implementation answers through the session now or later (Session::reply is thread-safe).
// A handler whose listener reads heads first (SessionLimits::head_first) also sees each
// request's head before its body is read, and decides whether the body may come and how large.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http/reply.hpp"

namespace coord::http {

class Session;
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// What a handler keeps of one request from its head to its route() (see check_head).
using HeadState = std::shared_ptr<void>;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void route(HttpRequest request, std::shared_ptr<Session> session) = 0;
  // With SessionLimits::head_first: `head` is the request without its body. Returns an answer
  // to refuse it (the session sends it and closes, the body unread), or nullopt to read the
  // body, after lowering `body_limit` (the listener's limit on entry) to what this request may
  // carry; a Content-Length above it is answered 413 before any of the body is read.
  // `state` (empty on entry) may take what the handler wants back in route(): the session holds
  // it while the body is read and hands it over with Session::take_head_state(); when the body
  // never comes whole (refused, cut off, timed out) the session drops it unrouted, so that its
  // destructor can tell.
  virtual std::optional<Reply> check_head(const HttpRequest& head, std::uint64_t& body_limit, HeadState& state) {
    (void)head;
    (void)body_limit;
    (void)state;
    return std::nullopt;
  }
};

}  // namespace coord::http
