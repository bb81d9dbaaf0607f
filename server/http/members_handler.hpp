// MembersHandler: /v2/members — list, leader, and membership changes (POST add, DELETE remove,
// PUT update peer URLs) that go through Raft as conf changes and are answered once applied,
// with etcd's status codes and {"message": ...} bodies (v2-api.md §9). Stateless; safe for
// concurrent use; answers through the session from any thread.
#pragma once

#include <memory>
#include <string>

#include "server/http/session.hpp"

namespace coord::node {
class Node;
}

namespace coord::http {

class MembersHandler {
 public:
  explicit MembersHandler(node::Node& node) : node_(node) {}

  void handle(const HttpRequest& request, const std::string& path, std::shared_ptr<Session> session);

 private:
  Reply list() const;
  Reply leader() const;
  void add(const HttpRequest& request, std::shared_ptr<Session> session);
  void remove(const std::string& id_text, std::shared_ptr<Session> session);
  void update(const HttpRequest& request, const std::string& id_text, std::shared_ptr<Session> session);

  node::Node& node_;
};

}  // namespace coord::http
