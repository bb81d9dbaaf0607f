// KeysHandler: /v2/keys — plain reads from this member's store, quorum reads behind a Raft
// ReadIndex barrier, writes through Raft, and watches (long-poll and stream) registered in the
// store's watcher hub. Answers carry etcd's headers (X-Etcd-Cluster-Id, X-Etcd-Index, X-Raft-Index,
// X-Raft-Term) exactly as etcd 3.4's v2 API describes. Safe for concurrent use: its only state is
// the RaftHandoff its write callbacks and watch sinks feed inside a round. handle() must be called
// on the session's strand (watch set-up relies on it). With v2 auth enabled, a request the
// credentials (or the guest role) do not allow gets error 110 (etcd's hasKeyPrefixAccess).
#pragma once

#include <memory>
#include <string>

#include "server/http/auth_gate.hpp"
#include "server/http/session.hpp"
#include "server/http/url.hpp"
#include "server/http/raft_handoff.hpp"

namespace coord::node {
class Node;
}

namespace coord::http {

struct KeysParams;

class KeysHandler {
 public:
  KeysHandler(node::Node& node, AuthGate& gate) : node_(node), gate_(gate), handoff_(node) {}

  void handle(const HttpRequest& request, const RequestTarget& target, std::shared_ptr<Session> session);

 private:
  void get(const KeysParams& params, std::shared_ptr<Session> session);
  void quorum_get(KeysParams params, std::shared_ptr<Session> session);
  void write(const KeysParams& params, std::shared_ptr<Session> session);
  void watch(const KeysParams& params, std::shared_ptr<Session> session);

  node::Node& node_;
  AuthGate& gate_;
  RaftHandoff handoff_;  // fed by write callbacks and watch sinks, inside a round
};

}  // namespace coord::http
