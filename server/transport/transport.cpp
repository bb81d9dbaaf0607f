#include "server/transport/transport.hpp"

#include <algorithm>
#include <cstdio>

#include "server/common/clock.hpp"
#include "server/common/hex.hpp"

#include "server/http/session.hpp"
#include "server/http/v2_json.hpp"
#include "server/transport/peer_prober.hpp"
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
  for (auto& [id, streams] : receivers_)
    for (auto& e : streams)
      if (auto live = e.receiver.lock()) live->close();
  receivers_.clear();
  if (auto live = snapshot_receiver_.lock()) live->close();
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
  std::erase_if(received_, [&](const auto& r) { return wanted.count(r.first) == 0; });
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
    // Dialed now, whether or not raft has anything for it yet (PeerSender keeps the stream).
    peers_[id] = std::make_shared<PeerSender>(ioc_, PeerIdentity{self_id_, id, cluster_id}, urls, *this, peer_tls_,
                                             snapshot_files_);
    peers_[id]->start();
    peer_urls_[id] = urls;
  }
}

std::vector<node::PeerActivity> Transport::peer_activity() const {
  std::lock_guard lock(mu_);
  std::vector<node::PeerActivity> out;
  for (const auto& [id, p] : peers_) {
    node::PeerActivity a = p->stats();
    a.id = id;
    if (auto r = received_.find(id); r != received_.end()) {
      a.received_bytes = r->second->bytes.load(std::memory_order_relaxed);
      a.received_failures = r->second->failures.load(std::memory_order_relaxed);
      a.snapshots_received = r->second->snapshots.figures();
    }
    out.push_back(a);
  }
  return out;
}

std::optional<http::Reply> Transport::check_head(const http::HttpRequest& head, std::uint64_t& body_limit,
                                                  http::HeadState& state) {
  (void)state;
  const std::string_view target(head.target().data(), head.target().size());
  const bool pipeline = target == "/raft";
  const bool old_snapshot = target == kSnapshotPath;
  if (!(pipeline || old_snapshot) || head.method() != bhttp::verb::post) {
    body_limit = kMaxControlBodyBytes;  // GET /members, the stream upgrades, and what route() refuses
    return std::nullopt;
  }
  if (node_ == nullptr) return message(503, "not ready");
  std::uint64_t from = 0;
  if (auto refusal = check_sender(head, from)) return refusal;
  // A leader of a previous build sending a whole snapshot as one body: refused before any of
  // it is read; it hears a failed snapshot (its body is never misread as the stream's).
  if (old_snapshot)
    return message(400, "snapshots are taken on GET " + std::string(kSnapshotStreamPath) + " (" +
                            std::string(kSnapshotProtocol) + ") only");
  body_limit = kMaxPipelineBodyBytes;
  return std::nullopt;
}

std::optional<http::Reply> Transport::check_sender(const http::HttpRequest& request, std::uint64_t& from) const {
  const std::string cluster = to_hex(node_->cluster_id());
  const auto their_cluster = request["X-Etcd-Cluster-Id"];
  if (std::string_view(their_cluster.data(), their_cluster.size()) != cluster)
    return message(412, "cluster ID mismatch").header("X-Etcd-Cluster-Id", cluster);
  const auto from_text = request["X-Server-From"];
  const auto sender = parse_sender_id(std::string_view(from_text.data(), from_text.size()));
  // Our own id would make raft take our own messages back; no member sends it.
  if (!sender || *sender == self_id_) return message(400, "bad X-Server-From");
  if (node_->is_removed(*sender)) return message(410, "member removed");
  from = *sender;
  return std::nullopt;
}

void Transport::route(http::HttpRequest request, std::shared_ptr<http::Session> session) {
  const std::string_view target(request.target().data(), request.target().size());
  // etcd's prober endpoint: no cluster check, as there (it tells the time, nothing more).
  if (target == kProbingPath && request.method() == bhttp::verb::get)
    return session->reply(http::Reply{200, http::kJson, probe_answer(SystemClock().now()), {}});
  if (node_ == nullptr) return session->reply(message(503, "not ready"));
  if (target == "/members" && request.method() == bhttp::verb::get) {
    http::Reply r{200, http::kJson, {}, {}};
    std::vector<http::MemberView> views;
    for (const auto& m : node_->members()) views.push_back({m.id, m.name, m.peer_urls, m.client_urls});
    http::append_members_json(r.body, views);
    return session->reply(r.header("X-Etcd-Cluster-Id", to_hex(node_->cluster_id())));
  }
  const bool stream = target == kStreamPath;
  const bool snapshot = target == kSnapshotStreamPath;
  if (target != "/raft" && !stream && !snapshot) return session->reply(http::not_found_reply());
  const auto verb = stream || snapshot ? bhttp::verb::get : bhttp::verb::post;
  if (request.method() != verb) return session->reply(http::method_not_allowed_reply(verb == bhttp::verb::get ? "GET" : "POST"));
  std::uint64_t from = 0;
  if (auto refusal = check_sender(request, from)) return session->reply(std::move(*refusal));
  if (stream) return open_stream(request, from, std::move(session));
  if (snapshot) return open_snapshot_stream(request, from, std::move(session));
  session->reply(deliver(request, from));
}

http::Reply Transport::deliver(const http::HttpRequest& request, std::uint64_t from) {
  auto batch = decode_batch(request.body());
  if (!batch) return message(400, batch.status().message());
  if (request.body().size() > kMaxPipelineBodyBytes)  // unreachable behind check_head; kept for direct callers
    return message(413, "peer batch larger than the pipeline limit");
  // A message forged in another member's name or misrouted poisons the whole batch. A snapshot
  // travels only on its stream, its file received before its message is stepped.
  for (const auto& m : *batch) {
    if (m.to != self_id_ || m.from != from) return message(400, "message not from the sender or not to us");
    if (m.type == raft::MessageType::kSnap) return message(400, "a snapshot travels on the snapshot stream only");
  }
  if (Status refused = node_->step(std::move(*batch)); !refused.is_ok()) return message(400, refused.message());
  return http::Reply{204, {}, {}, {}};
}

void Transport::open_snapshot_stream(const http::HttpRequest& request, std::uint64_t from,
                                     std::shared_ptr<http::Session> session) {
  const auto upgrade = request[bhttp::field::upgrade];
  if (std::string_view(upgrade.data(), upgrade.size()) != kSnapshotProtocol)
    return session->reply(message(400, "expected Upgrade: " + std::string(kSnapshotProtocol)));
  if (snapshot_files_.fs == nullptr) return session->reply(message(503, "this member keeps no snapshot files"));
  bool idle = false;
  if (!receiving_snapshot_->compare_exchange_strong(idle, true))
    return session->reply(message(503, "receiving another snapshot"));
  // Released when the stream ends, or when the upgrade never completes (the taker is dropped).
  std::shared_ptr<void> slot(nullptr, [flag = receiving_snapshot_](void*) { flag->store(false); });
  auto transfer = begin_snapshot_receive(from);
  http::Reply head{101, {}, {}, {}};
  head.header("Connection", "Upgrade").header("Upgrade", std::string(kSnapshotProtocol));
  session->upgrade(std::move(head), [this, from, slot, transfer](http::UpgradedStream stream, std::string leftover) {
    auto receiver = std::make_shared<SnapshotStreamReceiver>(std::move(stream), std::move(leftover), *node_, self_id_,
                                                             from, snapshot_files_, transfer, slot,
                                                             image_checks_.get_executor());
    {
      std::lock_guard lock(mu_);
      if (stopped_) return receiver->close();
      snapshot_receiver_ = receiver;
    }
    receiver->start();
  });
}

std::shared_ptr<PeerReceiveCounters> Transport::receive_counters(std::uint64_t from, bool member) {
  if (!member) return std::make_shared<PeerReceiveCounters>();
  std::lock_guard lock(mu_);
  auto& slot = received_[from];
  if (!slot) slot = std::make_shared<PeerReceiveCounters>();
  return slot;
}

std::shared_ptr<SnapshotTransfer> Transport::begin_snapshot_receive(std::uint64_t from) {
  auto counters = receive_counters(from, node_->known_member_ids().count(from) > 0);
  // Aliasing: the transfer keeps the peer's counters alive, even once the peer is removed.
  SnapshotTransferCounters* snapshots = &counters->snapshots;
  return std::make_shared<SnapshotTransfer>(std::shared_ptr<SnapshotTransferCounters>(std::move(counters), snapshots));
}

void Transport::open_stream(const http::HttpRequest& request, std::uint64_t from, std::shared_ptr<http::Session> session) {
  const auto upgrade = request[bhttp::field::upgrade];
  if (std::string_view(upgrade.data(), upgrade.size()) != kStreamProtocol)
    return session->reply(message(400, "expected Upgrade: " + std::string(kStreamProtocol)));
  const std::set<std::uint64_t> members = node_->known_member_ids();
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || !make_stream_room_locked(from, members))
      return session->reply(message(503, "too many streams from this member"));
    // The place is taken now, not once the upgrade is written: the sender may already open its
    // next stream when it reads the 101, before the upgrade's completion runs here.
    ticket = next_ticket_++;
    receivers_[from].push_back(StreamEntry{ticket, {}, false, std::chrono::steady_clock::now()});
  }
  http::Reply head{101, {}, {}, {}};
  head.header("Connection", "Upgrade").header("Upgrade", std::string(kStreamProtocol));
  const bool member = members.count(from) > 0;
  session->upgrade(std::move(head), [this, from, ticket, member](http::UpgradedStream stream, std::string leftover) {
    auto counters = receive_counters(from, member);
    auto receiver =
        std::make_shared<PeerStreamReceiver>(std::move(stream), std::move(leftover), *node_, self_id_, from, counters);
    {
      std::lock_guard lock(mu_);
      auto it = receivers_.find(from);
      StreamEntry* entry = nullptr;
      if (it != receivers_.end())
        for (auto& e : it->second)
          if (e.ticket == ticket) entry = &e;
      // Gone when the transport stopped or the reservation expired meanwhile.
      if (stopped_ || entry == nullptr) return receiver->close();
      entry->receiver = receiver;
      entry->upgraded = true;
    }
    receiver->start();
  });
}

std::size_t Transport::live_streams_locked(std::uint64_t from, std::shared_ptr<PeerStreamReceiver>* idlest) {
  auto it = receivers_.find(from);
  if (it == receivers_.end()) return 0;
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(it->second, [&](const StreamEntry& e) {
    // An upgrade whose completion never ran (the connection failed first) frees its place.
    if (!e.upgraded) return now - e.reserved_at > kUpgradeReservation;
    auto r = e.receiver.lock();
    if (r == nullptr || r->closed()) return true;
    if (idlest != nullptr && (*idlest == nullptr || r->idle_for() > (*idlest)->idle_for())) *idlest = r;
    return false;
  });
  const std::size_t n = it->second.size();
  if (n == 0) receivers_.erase(it);
  return n;
}

bool Transport::make_stream_room_locked(std::uint64_t from, const std::set<std::uint64_t>& members) {
  // A new stream never replaces a live one: anyone who knows the cluster id can open a stream
  // in a member's name, and replacing would let them cut that member off. A reconnecting peer
  // whose old connection died unnoticed gets in while there is room, and its old stream, idle,
  // is the first evicted once there is none.
  if (!members.count(from)) {
    // A sender we do not know as a member: a member added by a change this member has not
    // applied yet (it may even lead), or a stranger making up ids. Few in all, whatever the ids.
    std::size_t strangers = 0;
    for (auto it = receivers_.begin(); it != receivers_.end();) {
      const std::uint64_t id = (it++)->first;  // live_streams_locked may erase the entry
      if (!members.count(id)) strangers += live_streams_locked(id, nullptr);
    }
    if (strangers >= kMaxStrangerStreams) return false;
  }
  std::shared_ptr<PeerStreamReceiver> idlest;
  if (live_streams_locked(from, &idlest) < kMaxStreamsPerPeer) return true;
  if (idlest == nullptr || idlest->idle_for() < kStreamIdleEviction) return false;
  idlest->close();
  std::erase_if(receivers_[from], [&](const StreamEntry& e) { return e.upgraded && e.receiver.lock() == idlest; });
  return true;
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
