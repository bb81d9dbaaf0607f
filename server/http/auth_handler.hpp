// AuthHandler: the v2 auth API — /v2/auth/enable (GET, PUT, DELETE), /v2/auth/users[/<name>]
// and /v2/auth/roles[/<name>] — with etcd 3.4's statuses, headers and bodies (v2http's
// client_auth.go). Reads answer from this member's applied auth state; writes go through Raft
// as apply::Method::kAuth requests, a new password hashed here (bcrypt) before proposing.
// Called on a session's strand; safe for concurrent use (no mutable state of its own).
#pragma once

#include <memory>
#include <string>

#include "server/auth/auth_state.hpp"
#include "server/http/auth_gate.hpp"
#include "server/http/reply.hpp"
#include "server/http/session.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

class AuthHandler {
 public:
  AuthHandler(node::NodeApi& node, AuthGate& gate) : node_(node), gate_(gate) {}

  // True for the paths etcd serves here: /v2/auth/enable, /v2/auth/users[/...], /v2/auth/roles[/...].
  static bool serves(const std::string& path);
  void handle(const HttpRequest& request, const std::string& path, std::shared_ptr<Session> session);

 private:
  void enable(const HttpRequest& request, std::shared_ptr<Session> session);
  void users(const HttpRequest& request, std::shared_ptr<Session> session);
  void user(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session);
  void put_user(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session);
  void roles(const HttpRequest& request, std::shared_ptr<Session> session);
  void role(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session);
  void put_role(const HttpRequest& request, const std::string& name, std::shared_ptr<Session> session);
  // Proposes `op`; the answer is the outcome's user (kind user) or role, or its error.
  void propose(auth::AuthOp op, std::shared_ptr<Session> session);
  // Headers every answer after the root check carries (errors included).
  Reply reply(int status) const;

  node::NodeApi& node_;
  AuthGate& gate_;
};

}  // namespace coord::http
