// Transport: the peer network of one member. Outgoing, it is the node's MessageSender: one
// PeerSender per other member, created and dropped as membership changes. Incoming, it is the
// RequestHandler behind --listen-peer-urls: GET /raft/stream upgrades to a peer's message
// stream (a PeerStreamReceiver, one per peer) and POST /raft carries snapshots (and batches),
// both checked first (cluster id, removed sender) and stepped into the node; GET /members
// serves the member list to joining members.
// Thread-safe: the node calls send()/set_peers() on the raft thread, sessions call route() on
// their strands, stats readers call peer_stats() from anywhere.
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "server/http/request_handler.hpp"
#include "server/node/node.hpp"
#include "server/transport/peer_sender.hpp"
#include "server/transport/peer_stream_receiver.hpp"

namespace coord::transport {

class Transport final : public node::MessageSender, public http::RequestHandler, public PeerEvents {
 public:
  // `peer_tls`: the client contexts for https peers (null: only http peers are reached).
  Transport(boost::asio::io_context& ioc, std::uint64_t self_id, std::shared_ptr<tls::ContextSource> peer_tls = nullptr);
  ~Transport() override;

  // Must be called before the node starts (the transport forwards incoming messages to it).
  void attach(node::Node& node) { node_ = &node; }
  void stop();

  // node::MessageSender
  void send(std::vector<raft::Message> messages) override;
  void set_peers(const std::vector<store::Member>& members, std::uint64_t cluster_id) override;
  std::vector<node::PeerActivity> peer_activity() const override;

  // http::RequestHandler (the peer listener)
  void route(http::HttpRequest request, std::shared_ptr<http::Session> session) override;

  // PeerEvents
  void on_unreachable(std::uint64_t peer) override;
  void on_snapshot_status(std::uint64_t peer, bool ok) override;
  void on_removed_by_cluster() override;

 private:
  // Upgrades the session to `from`'s message stream (GET /raft/stream).
  void open_stream(const http::HttpRequest& request, std::uint64_t from, std::shared_ptr<http::Session> session);

  boost::asio::io_context& ioc_;
  const std::uint64_t self_id_;
  const std::shared_ptr<tls::ContextSource> peer_tls_;
  node::Node* node_ = nullptr;

  mutable std::mutex mu_;
  std::map<std::uint64_t, std::shared_ptr<PeerSender>> peers_;  // guarded by mu_
  std::map<std::uint64_t, std::vector<std::string>> peer_urls_;  // guarded by mu_
  std::map<std::uint64_t, std::weak_ptr<PeerStreamReceiver>> receivers_;  // by sender; guarded by mu_
  bool stopped_ = false;                                         // guarded by mu_
};

}  // namespace coord::transport
