// Transport: the peer network of one member. Outgoing, it is the node's MessageSender: one
// PeerSender per other member, created and dropped as membership changes. Incoming, it is the
// RequestHandler behind --listen-peer-urls: GET /raft/stream upgrades to a peer's message stream (a
// PeerStreamReceiver; a few per claimed peer, a new one never replacing a live one) and POST /raft
// carries snapshots (and batches), both checked first (cluster id, a well-formed sender that is not
// us and not removed), their messages checked (from the sender, to us, payloads that decode:
// Node::step) and stepped into the node; GET /raft/snapshot/stream upgrades to a snapshot stream
// (a SnapshotStreamReceiver, one at a time) that writes the leader's snapshot file into this
// member's snapshot directory before its message is stepped; GET /members serves the member list
// to joining members.
// Thread-safe: the node calls send()/set_peers() inside a round (any thread holding
// Node::raft_mu_), sessions call route() on their strands, stats readers call peer_stats() from
// anywhere.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <mutex>
#include <vector>

#include "server/http/reply.hpp"
#include "server/http/request_handler.hpp"
#include "server/node/node.hpp"
#include "server/transport/peer_sender.hpp"
#include "server/transport/peer_stream_receiver.hpp"
#include "server/transport/snapshot_stream_receiver.hpp"

namespace coord::transport {

class Transport final : public node::MessageSender, public http::RequestHandler, public PeerEvents {
 public:
  // `peer_tls`: the client contexts for https peers (null: only http peers are reached).
  Transport(boost::asio::io_context& ioc, std::uint64_t self_id, std::shared_ptr<tls::ContextSource> peer_tls = nullptr);
  ~Transport() override;

  // Must be called before the node starts (the transport forwards incoming messages to it).
  void attach(node::Node& node) { node_ = &node; }
  // Where this member's snapshot files are: sent to followers from there, received into there.
  // Must be called before the node starts; without it no snapshot is sent or taken.
  void keep_snapshots_in(SnapshotFiles files) { snapshot_files_ = std::move(files); }
  void stop();

  // node::MessageSender
  void send(std::vector<raft::Message> messages) override;
  void set_peers(const std::vector<store::Member>& members, std::uint64_t cluster_id) override;
  std::vector<node::PeerActivity> peer_activity() const override;

  // http::RequestHandler (the peer listener)
  void route(http::HttpRequest request, std::shared_ptr<http::Session> session) override;
  // Before a body is read (the peer listener reads heads first): a POST to /raft must pass
  // check_sender and gets the pipeline's body limit (peer_wire.hpp), so that nobody can make a
  // member buffer any body at all without this cluster's id. A POST to /raft/snapshot (a
  // previous build's whole-snapshot body) is refused here, 400, before its body is read.
  std::optional<http::Reply> check_head(const http::HttpRequest& head, std::uint64_t& body_limit,
                                        http::HeadState& state) override;

  // PeerEvents
  void on_unreachable(std::uint64_t peer) override;
  void on_snapshot_status(std::uint64_t peer, bool ok) override;
  void on_removed_by_cluster() override;

 private:
  // The checks a peer request's headers allow, before its body is looked at: the cluster id,
  // a well-formed sender that is neither us nor removed. nullopt (and `from` set) to go on.
  std::optional<http::Reply> check_sender(const http::HttpRequest& request, std::uint64_t& from) const;
  // Upgrades the session to `from`'s message stream (GET /raft/stream), unless `from` already
  // has kMaxStreamsPerPeer live streams none of which has been idle kStreamIdleEviction.
  void open_stream(const http::HttpRequest& request, std::uint64_t from, std::shared_ptr<http::Session> session);
  // Prunes `from`'s closed streams and, when it still has kMaxStreamsPerPeer, closes the one
  // idle longest if that is at least kStreamIdleEviction. False when there is no room, or when
  // `from` is not in `members` and kMaxStrangerStreams streams from non-members are open.
  bool make_stream_room_locked(std::uint64_t from, const std::set<std::uint64_t>& members);
  // The counters kept for what `from` delivers: the map's, shared, when `from` is a member;
  // a fresh unshared set otherwise (a stranger's ids must not grow the map).
  std::shared_ptr<PeerReceiveCounters> receive_counters(std::uint64_t from, bool member);
  // A snapshot receive from `from`, in flight from now, counted with its other receives.
  std::shared_ptr<SnapshotTransfer> begin_snapshot_receive(std::uint64_t from);
  // POST /raft: the batch of messages `from` sent, into the node.
  http::Reply deliver(const http::HttpRequest& request, std::uint64_t from);
  // Upgrades the session to a snapshot stream from `from` (GET /raft/snapshot/stream), unless
  // another snapshot is being received or no snapshot files are kept (503).
  void open_snapshot_stream(const http::HttpRequest& request, std::uint64_t from, std::shared_ptr<http::Session> session);
  // `from`'s live and reserved streams after pruning the closed ones and the reservations
  // older than kUpgradeReservation (an empty entry is erased); the live one idle longest goes
  // to `idlest` when given.
  std::size_t live_streams_locked(std::uint64_t from, std::shared_ptr<PeerStreamReceiver>* idlest);

  // Longer than the session's write timeout: an upgrade is written or abandoned by then.
  static constexpr std::chrono::seconds kUpgradeReservation{35};
  // Streams from senders this member does not know as members, whatever ids they claim.
  static constexpr std::size_t kMaxStrangerStreams = 8;

  // A stream that carried nothing for this long may give its place to a new one. A live sender
  // writes at least every PeerSender::kKeepalive (+1 s), an empty frame when it has nothing else,
  // so a stream this quiet is one whose sender is gone (or stuck).
  static constexpr std::chrono::seconds kStreamIdleEviction{5};

  boost::asio::io_context& ioc_;
  const std::uint64_t self_id_;
  const std::shared_ptr<tls::ContextSource> peer_tls_;
  node::Node* node_ = nullptr;

  mutable std::mutex mu_;
  std::map<std::uint64_t, std::shared_ptr<PeerSender>> peers_;  // guarded by mu_
  std::map<std::uint64_t, std::vector<std::string>> peer_urls_;  // guarded by mu_
  // One place taken by a message stream: reserved when the upgrade is accepted, filled with the
  // receiver once the upgrade is written.
  struct StreamEntry {
    std::uint64_t ticket = 0;
    std::weak_ptr<PeerStreamReceiver> receiver;
    bool upgraded = false;
    std::chrono::steady_clock::time_point reserved_at{};
  };
  // By claimed sender, at most kMaxStreamsPerPeer each; guarded by mu_.
  std::map<std::uint64_t, std::vector<StreamEntry>> receivers_;
  std::uint64_t next_ticket_ = 1;  // guarded by mu_
  // What the streams from each member delivered, kept across its streams; guarded by mu_.
  std::map<std::uint64_t, std::shared_ptr<PeerReceiveCounters>> received_;
  bool stopped_ = false;                                         // guarded by mu_
  SnapshotFiles snapshot_files_;  // set before the node starts, then constant
  // True while a snapshot stream is open (one at a time: each may hold a file's worth of disk);
  // shared with the stream's slot, which may outlive the transport.
  const std::shared_ptr<std::atomic<bool>> receiving_snapshot_ = std::make_shared<std::atomic<bool>>(false);
  std::weak_ptr<SnapshotStreamReceiver> snapshot_receiver_;  // guarded by mu_
  // The thread that checks received snapshot data (SnapshotStreamReceiver::complete). Last: it
  // is joined first, while everything a check's completion may touch is still here.
  boost::asio::thread_pool image_checks_{1};
};

}  // namespace coord::transport
