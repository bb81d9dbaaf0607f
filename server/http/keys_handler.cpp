#include "server/http/keys_handler.hpp"

#include <boost/beast/http/field.hpp>
#include <charconv>
#include <cstdio>

#include "server/http/keys_params.hpp"
#include "server/http/v2_json.hpp"
#include "server/node/node_api.hpp"

namespace coord::http {
namespace {

// The success headers at their longest: four names, a 16-digit cluster id, 20-digit numbers.
constexpr std::size_t kLongestSuccessHeaders = (19 + 16 + 2) + (14 + 20 + 2) + (14 + 20 + 2) + (13 + 20 + 2);
static_assert(kLongestSuccessHeaders <= kInlineHeaderBytes, "a keys answer's headers fit in Reply's inline room");

// Room an event's JSON usually fits in (a node with a short key and value, and its prevNode):
// one allocation for the body instead of one per doubling.
constexpr std::size_t kEventBodyReserve = 512;

// X-Etcd-Cluster-Id in hex (as to_hex), formatted in place: no string of its own.
void add_cluster_id_line(Reply& r, std::uint64_t cluster_id) {
  char hex[16];
  const auto end = std::to_chars(hex, hex + sizeof hex, cluster_id, 16).ptr;
  r.header("X-Etcd-Cluster-Id", std::string_view(hex, static_cast<std::size_t>(end - hex)));
}

Reply error_reply(const store::V2Error& error, std::uint64_t cluster_id, bool head_only) {
  Reply r{error.http_status(), kJson, {}, {}};
  append_error_json(r.body, error);
  add_cluster_id_line(r, cluster_id);
  r.header("X-Etcd-Index", std::to_string(error.index));
  r.head_only = head_only;
  return r;
}

// The success header set: X-Etcd-Index is the event's index, X-Raft-* where the answer stands.
void add_success_headers(Reply& r, std::uint64_t cluster_id, std::uint64_t etcd_index, node::RaftPosition raft) {
  // The four fit in Reply::headers' inline room (at their longest: four names, 20-digit
  // numbers, a 16-digit cluster id).
  add_cluster_id_line(r, cluster_id);
  r.header("X-Etcd-Index", std::to_string(etcd_index));
  r.header("X-Raft-Index", std::to_string(raft.index));
  r.header("X-Raft-Term", std::to_string(raft.term));
}

// Room for an event's JSON: the usual, plus its values (written unescaped in the common case).
// A 1 MB value and its prevNode's then go into one allocation, with no reallocation copies.
std::size_t event_body_reserve(const store::Event& event) {
  std::size_t n = kEventBodyReserve;
  if (event.node.value) n += event.node.value->size();
  if (event.prev_node && event.prev_node->value) n += event.prev_node->value->size();
  return n;
}

Reply event_reply(const store::Event& event, int status, std::uint64_t cluster_id, node::RaftPosition raft,
                  bool head_only, bool omit_nodes) {
  Reply r{status, kJson, {}, {}};
  r.body.reserve(omit_nodes ? kEventBodyReserve : event_body_reserve(event));
  if (omit_nodes)
    append_action_only_json(r.body, event.action);
  else
    append_event_json(r.body, event);
  add_success_headers(r, cluster_id, event.etcd_index, raft);
  r.head_only = head_only;
  return r;
}

Reply get_reply(const node::NodeApi& node, const KeysParams& p) {
  const bool head = p.method == KeysMethod::kHead;
  const UnixNanos now = node.clock().now();
  return node.read([&](const store::Store& store, node::RaftPosition raft) {
    // Written straight from the tree: no copy of the nodes (a 100k-key listing built and freed
    // 200k strings) or of a 1 MB value.
    Reply r{200, kJson, {}, {}};
    r.body.reserve(kEventBodyReserve);
    GetJsonWriter writer(r.body);
    auto index = store.get_into(p.key, p.recursive, p.sorted, now, writer);
    if (!index.ok()) return error_reply(index.error(), node.cluster_id(), head);
    writer.finish();
    add_success_headers(r, node.cluster_id(), index.value(), raft);
    r.head_only = head;
    return r;
  });
}

// An event framed for its watchers: as a chunk of a stream, and as the whole rest of a one-shot
// watch's answer (the chunk and the terminating chunk, sent in one write).
struct EventFrames {
  SharedBytes chunk;
  SharedBytes last;
};

EventFrames frame_event(const store::Event& event) {
  std::string json;
  append_event_json(json, event);
  std::string chunk;
  chunk.reserve(json.size() + 24);
  append_chunk(chunk, json);
  std::string last = chunk;
  last += kLastChunk;
  return {SharedBytes(std::move(chunk)), SharedBytes(std::move(last))};
}

// Every watcher of one event gets the same bytes, and the store calls their sinks back to back
// inside a round, so the last event's frames are kept (per thread): 10k watchers cost one
// serialization and no copy each.
const EventFrames& event_frames(const store::EventPtr& event) {
  thread_local std::weak_ptr<const store::Event> last;
  thread_local EventFrames frames;
  const bool same = !last.expired() && !last.owner_before(event) && !event.owner_before(last);
  if (!same) {
    frames = frame_event(*event);
    last = event;
  }
  return frames;
}

// The metric label of a request that parsed: its method, or QGET for a quorum GET (a quorum
// HEAD stays HEAD, as etcd labels it by the request's method).
KeysMetricMethod metric_method(const KeysParams& p, KeysOp op) {
  switch (p.method) {
    case KeysMethod::kGet: return op == KeysOp::kQuorumGet ? KeysMetricMethod::kQuorumGet : KeysMetricMethod::kGet;
    case KeysMethod::kHead: return KeysMetricMethod::kHead;
    case KeysMethod::kPut: return KeysMetricMethod::kPut;
    case KeysMethod::kPost: return KeysMetricMethod::kPost;
    case KeysMethod::kDelete: return KeysMetricMethod::kDelete;
  }
  return KeysMetricMethod::kGet;
}

}  // namespace

void KeysHandler::answer(const std::shared_ptr<Session>& session, Reply reply, KeysMetricMethod method, Started started) {
  if (reply.status >= 400)
    metrics_.failed(method, reply.status);
  else
    metrics_.succeeded(method, std::chrono::steady_clock::now() - started);
  session->reply(std::move(reply));
}

void KeysHandler::handle(const HttpRequest& request, const RequestTarget& target, std::shared_ptr<Session> session) {
  const Started started = std::chrono::steady_clock::now();
  auto method = keys_method_from_string(std::string_view(request.method_string().data(), request.method_string().size()));
  if (!method) return session->reply(method_not_allowed_reply("HEAD,GET,PUT,POST,DELETE"));
  // etcd looks up its auth flag before every keys request (counted in the store stats); one
  // shared-lock read does both.
  const bool auth_enabled = node_.read([](const store::Store& s, node::RaftPosition) {
    s.count_auth_lookup();
    return s.auth().enabled();
  });
  const auto content_type = request[boost::beast::http::field::content_type];
  auto params = parse_keys_request(*method, target.path, std::string_view(content_type.data(), content_type.size()),
                                   request.body(), target.raw_query);
  if (!params) return session->reply(error_reply(params.error(), node_.cluster_id(), *method == KeysMethod::kHead));
  if (auth_enabled) {
    const std::string_view key = std::string_view(target.path).substr(std::string_view("/v2/keys").size());
    if (!gate_.key_access(request, key, params.value().recursive, session->client_cert_names())) {
      return session->reply(error_reply(store::V2Error{store::kEcodeUnauthorized, "Insufficient credentials", 0},
                                        node_.cluster_id(), *method == KeysMethod::kHead));
    }
  }
  const KeysOp op = classify(params.value());
  if (op != KeysOp::kWatch) metrics_.received(metric_method(params.value(), op));
  switch (op) {
    case KeysOp::kGet: return get(params.value(), started, std::move(session));
    case KeysOp::kQuorumGet: return quorum_get(std::move(params).value(), started, std::move(session));
    case KeysOp::kWrite: return write(std::move(params).value(), started, std::move(session));
    case KeysOp::kWatch: return watch(params.value(), std::move(session));
  }
}

void KeysHandler::get(const KeysParams& params, Started started, std::shared_ptr<Session> session) {
  answer(session, get_reply(node_, params), metric_method(params, KeysOp::kGet), started);
}

void KeysHandler::quorum_get(KeysParams params, Started started, std::shared_ptr<Session> session) {
  // Linearizable: wait until this member has applied everything committed when the read
  // arrived (ReadIndex), then read the local store, on an io thread (handoff_).
  node_.read_barrier([this, params = std::move(params), started, session = std::move(session)](Status status) mutable {
    handoff_.add_answer(session, [this, params = std::move(params), started, session, status = std::move(status)] {
      const KeysMetricMethod method = metric_method(params, KeysOp::kQuorumGet);
      if (!status.is_ok()) {
        return answer(session,
                      error_reply(store::V2Error{store::kEcodeRaftInternal, "etcdserver: request timed out", 0},
                                  node_.cluster_id(), params.method == KeysMethod::kHead),
                      method, started);
      }
      answer(session, get_reply(node_, params), method, started);
    });
  });
}

void KeysHandler::write(KeysParams params, Started started, std::shared_ptr<Session> session) {
  const KeysMetricMethod method = metric_method(params, KeysOp::kWrite);
  const bool no_value_on_success = params.no_value_on_success;
  apply::Request request = build_request(std::move(params), node_.clock().now());  // moves the value
  // The answer is formatted on an io thread (handoff_), not in the round that applied it.
  // The callbacks keep only what the answer needs of `params`, not a copy of the value.
  node_.propose(std::move(request), [this, method, no_value_on_success, started,
                                     session = std::move(session)](node::WriteResult result) mutable {
    handoff_.add_answer(session, [this, method, no_value_on_success, started, session, result = std::move(result)] {
      const apply::Response& response = result.response;
      if (!response.ok()) return answer(session, error_reply(response.error(), node_.cluster_id(), false), method, started);
      const store::Event& event = response.event();
      answer(session,
             event_reply(event, event.is_created() ? 201 : 200, node_.cluster_id(), result.raft, false,
                         omit_nodes_on_success(no_value_on_success, event.action)),
             method, started);
    });
  });
}

void KeysHandler::watch(const KeysParams& params, std::shared_ptr<Session> session) {
  const bool stream = params.stream;
  // The sink runs inside the round that applied the write, after the store lock is released
  // (NodeCore::run_fan_out): it only formats (once per event) and queues; handoff_ sends after
  // the round's writers are answered.
  store::WatchSink sink = [handoff = &handoff_, session, stream](const store::EventPtr& event) {
    const EventFrames& frames = event_frames(event);
    handoff->add_notification(session, stream ? frames.chunk : frames.last, !stream);
    return stream;
  };
  auto started = node_.watch(params.key, params.recursive, stream, params.wait_index, std::move(sink));
  if (!started.ok()) {
    // A watch that cannot start (e.g. 401: its index was cleared) counts as a failed GET, as in etcd.
    const store::V2Error& error = started.error();
    metrics_.failed(KeysMetricMethod::kGet, error.http_status());
    return session->reply(error_reply(error, node_.cluster_id(), false));
  }
  const store::WatchStart& start = started.value();
  Reply head{200, kJson, {}, {}};
  add_success_headers(head, node_.cluster_id(), start.etcd_index, node_.status().raft);
  // We are on the session's strand, so the head is queued before any event the sink posts.
  session->begin_stream(std::move(head));
  if (start.immediate) {
    session->send_frames(frame_event(*start.immediate).last, true);
    return;
  }
  session->on_abandon([node = &node_, id = start.id] { node->unwatch(id); });
}

}  // namespace coord::http
