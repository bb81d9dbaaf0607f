// KeysHandler: /v2/keys — plain reads from this member's store, quorum reads behind a Raft
// ReadIndex barrier, writes through Raft, and watches (long-poll and stream) registered in the
// store's watcher hub. Answers carry etcd's headers (X-Etcd-Cluster-Id, X-Etcd-Index, X-Raft-Index,
// X-Raft-Term) exactly as etcd 3.4's v2 API describes. Safe for concurrent use: its only state is
// the RaftHandoff its write callbacks and watch sinks feed inside a round. handle() must be called
// on the session's strand (watch set-up relies on it). With v2 auth enabled, a request the
// credentials (or the guest role) do not allow gets error 110 (etcd's hasKeyPrefixAccess).
// Requests are counted in KeysMetrics where etcd's handler counts them (see keys_metrics.hpp).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "server/http/auth_gate.hpp"
#include "server/http/keys_metrics.hpp"
#include "server/http/session.hpp"
#include "server/http/url.hpp"
#include "server/http/raft_handoff.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

struct KeysParams;

class KeysHandler {
 public:
  // `gate` and `metrics` outlive the handler.
  KeysHandler(node::NodeApi& node, AuthGate& gate, KeysMetrics& metrics)
      : node_(node), gate_(gate), metrics_(metrics), handoff_(node) {}

  void handle(const HttpRequest& request, const RequestTarget& target, std::shared_ptr<Session> session);

 private:
  using Started = std::chrono::steady_clock::time_point;

  void get(const KeysParams& params, Started started, std::shared_ptr<Session> session);
  void quorum_get(KeysParams params, Started started, std::shared_ptr<Session> session);
  void write(KeysParams params, Started started, std::shared_ptr<Session> session);
  void watch(const KeysParams& params, std::shared_ptr<Session> session);
  // Sends a non-watch answer, counting it as a success (timed from `started`) or a failure.
  void answer(const std::shared_ptr<Session>& session, Reply reply, KeysMetricMethod method, Started started);

  node::NodeApi& node_;
  AuthGate& gate_;
  KeysMetrics& metrics_;
  RaftHandoff handoff_;  // fed by write callbacks and watch sinks, inside a round
};

}  // namespace coord::http
