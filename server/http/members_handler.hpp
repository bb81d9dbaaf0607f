// MembersHandler: /v2/members — list, leader, and membership changes (POST add, DELETE remove,
// PUT update peer URLs) that go through Raft as conf changes and are answered once applied,
// with etcd's status codes and {"message": ...} bodies (etcd 3.4's v2 API). Stateless; safe for
// concurrent use; answers through the session from any thread. With v2 auth enabled, every
// method but GET needs a user with the root role (etcd's hasWriteRootAccess).
#pragma once

#include <memory>
#include <string>

#include "server/http/auth_gate.hpp"
#include "server/http/session.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

class MembersHandler {
 public:
  MembersHandler(node::NodeApi& node, AuthGate& gate) : node_(node), gate_(gate) {}

  void handle(const HttpRequest& request, const std::string& path, std::shared_ptr<Session> session);

 private:
  Reply list() const;
  Reply leader() const;
  void add(const HttpRequest& request, std::shared_ptr<Session> session);
  void remove(const std::string& id_text, std::shared_ptr<Session> session);
  void update(const HttpRequest& request, const std::string& id_text, std::shared_ptr<Session> session);

  node::NodeApi& node_;
  AuthGate& gate_;
};

}  // namespace coord::http
