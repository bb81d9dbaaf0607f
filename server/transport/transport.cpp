#include "server/transport/transport.hpp"

#include <cstdio>

#include "server/common/hex.hpp"

#include "server/http/session.hpp"
#include "server/http/v2_json.hpp"
#include "server/transport/peer_stream_receiver.hpp"
#include "server/transport/peer_wire.hpp"

namespace coord::transport {

namespace bhttp = boost::beast::http;

namespace {

http::Reply message(int status, std::string_view text) {
  http::Reply r{status, http::kJson, {}, {}};
  http::append_message_json(r.body, text);
  return r;
}

}  // namespace

Transport::Transport(boost::asio::io_context& ioc, std::uint64_t self_id, std::shared_ptr<tls::ContextSource> peer_tls)
    : ioc_(ioc), self_id_(self_id), peer_tls_(std::move(peer_tls)) {}

Transport::~Transport() { stop(); }

void Transport::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto& [id, p] : peers_) p->stop();
  peers_.clear();
  for (auto& [id, r] : receivers_)
    if (auto live = r.lock()) live->close();
  receivers_.clear();
}

void Transport::send(std::vector<raft::Message> messages) {
  // One hand-over per peer, the peer's messages in their order.
  std::map<std::uint64_t, std::vector<raft::Message>> by_peer;
  for (auto& m : messages) by_peer[m.to].push_back(std::move(m));
  std::lock_guard lock(mu_);
  for (auto& [to, ms] : by_peer) {
    auto it = peers_.find(to);
    if (it == peers_.end()) continue;  // a member we know no address for (e.g. just removed): raft copes
    it->second->send(std::move(ms));
  }
}

void Transport::set_peers(const std::vector<store::Member>& members, std::uint64_t cluster_id) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  std::map<std::uint64_t, std::vector<std::string>> wanted;
  for (const auto& m : members)
    if (m.id != self_id_) wanted[m.id] = m.peer_urls;
  for (auto it = peers_.begin(); it != peers_.end();) {
    auto w = wanted.find(it->first);
    if (w == wanted.end() || w->second != peer_urls_[it->first]) {
      it->second->stop();
      peer_urls_.erase(it->first);
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [id, urls] : wanted) {
    if (peers_.count(id)) continue;
    peers_[id] = std::make_shared<PeerSender>(ioc_, PeerIdentity{self_id_, id, cluster_id}, urls, *this, peer_tls_);
    peer_urls_[id] = urls;
  }
}

std::vector<node::PeerActivity> Transport::peer_activity() const {
  std::lock_guard lock(mu_);
  std::vector<node::PeerActivity> out;
  for (const auto& [id, p] : peers_) {
    const PeerStats s = p->stats();
    node::PeerActivity a;
    a.id = id;
    a.active_since = s.active_since;
    a.success = s.success;
    a.fail = s.fail;
    a.latency_current = s.latency_current;
    a.latency_min = s.latency_min;
    a.latency_max = s.latency_max;
    a.latency_sum = s.latency_sum;
    a.latency_sq_sum = s.latency_sq_sum;
    out.push_back(a);
  }
  return out;
}

void Transport::route(http::HttpRequest request, std::shared_ptr<http::Session> session) {
  const std::string_view target(request.target().data(), request.target().size());
  if (node_ == nullptr) return session->reply(message(503, "not ready"));
  const std::string cluster = to_hex(node_->cluster_id());
  if (target == "/members" && request.method() == bhttp::verb::get) {
    http::Reply r{200, http::kJson, {}, {}};
    std::vector<http::MemberView> views;
    for (const auto& m : node_->members()) views.push_back({m.id, m.name, m.peer_urls, m.client_urls});
    http::append_members_json(r.body, views);
    return session->reply(r.header("X-Etcd-Cluster-Id", cluster));
  }
  const bool stream = target == kStreamPath;
  if (target != "/raft" && !stream) return session->reply(http::not_found_reply());
  const auto verb = stream ? bhttp::verb::get : bhttp::verb::post;
  if (request.method() != verb) return session->reply(http::method_not_allowed_reply(stream ? "GET" : "POST"));
  const auto their_cluster = request["X-Etcd-Cluster-Id"];
  if (std::string_view(their_cluster.data(), their_cluster.size()) != cluster)
    return session->reply(message(412, "cluster ID mismatch").header("X-Etcd-Cluster-Id", cluster));
  const auto from_text = request["X-Server-From"];
  const std::uint64_t from = std::strtoull(std::string(from_text.data(), from_text.size()).c_str(), nullptr, 16);
  if (node_->is_removed(from)) return session->reply(message(410, "member removed"));
  if (stream) return open_stream(request, from, std::move(session));
  auto batch = decode_batch(request.body());
  if (!batch) return session->reply(message(400, batch.status().message()));
  // Misrouted or forged messages are ignored; the rest go to the raft thread in one push.
  std::erase_if(*batch, [&](const raft::Message& m) { return m.to != self_id_ || m.from != from; });
  node_->step(std::move(*batch));
  session->reply(http::Reply{204, {}, {}, {}});
}

void Transport::open_stream(const http::HttpRequest& request, std::uint64_t from, std::shared_ptr<http::Session> session) {
  const auto upgrade = request[bhttp::field::upgrade];
  if (std::string_view(upgrade.data(), upgrade.size()) != kStreamProtocol)
    return session->reply(message(400, "expected Upgrade: " + std::string(kStreamProtocol)));
  http::Reply head{101, {}, {}, {}};
  head.header("Connection", "Upgrade").header("Upgrade", std::string(kStreamProtocol));
  session->upgrade(std::move(head), [this, from](http::UpgradedStream stream, std::string leftover) {
    auto receiver = std::make_shared<PeerStreamReceiver>(std::move(stream), std::move(leftover), *node_, self_id_, from);
    {
      std::lock_guard lock(mu_);
      if (stopped_) return receiver->close();
      // One stream per peer: a new one (the peer reconnected) replaces what is left of the old.
      if (auto old = receivers_[from].lock()) old->close();
      receivers_[from] = receiver;
    }
    receiver->start();
  });
}

void Transport::on_unreachable(std::uint64_t peer) {
  if (node_ != nullptr) node_->report_unreachable(peer);
}

void Transport::on_snapshot_status(std::uint64_t peer, bool ok) {
  if (node_ != nullptr) node_->report_snapshot(peer, ok);
}

void Transport::on_removed_by_cluster() {
  if (node_ != nullptr) node_->removed_from_cluster();
}

}  // namespace coord::transport
