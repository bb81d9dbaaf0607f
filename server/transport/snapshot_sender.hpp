// SnapshotSender: delivers Raft snapshot messages to one peer as POST /raft/snapshot
// (peer_wire.hpp), one at a time, each on a connection of its own so that a large snapshot never
// holds up the message stream. The outcome of each is reported (raft report_snapshot); a snapshot
// that arrives while another is on its way is reported failed at once (raft sends it again later).
// The request goes out as its head, then the first and the second half of its body: between the
// halves is the failpoint snap_send_midway (server/common/failpoint.hpp), a leader cut off in the
// middle of a send.
// To an https peer URL the connection first does a TLS handshake (PeerTlsConnection).
// Thread-safety: send() and stop() may be called from any thread; the rest runs on its strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/raft/message.hpp"
#include "server/transport/peer_link.hpp"
#include "server/transport/snapshot_transfer_counters.hpp"

namespace coord::transport {

class SnapshotSender : public std::enable_shared_from_this<SnapshotSender> {
 public:
  // `tls` (may be null: https peers are then unreachable) makes the client contexts.
  SnapshotSender(boost::asio::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
                 PeerEvents& events, std::shared_ptr<tls::ContextSource> tls = nullptr);

  void send(raft::Message snapshot);
  void stop();
  // The sends so far (etcd_network_snapshot_send_*); a snapshot refused at once because another
  // is on its way is not a send. Any thread.
  node::SnapshotTransfers figures() const { return counters_.figures(); }

 private:
  void on_connect(boost::beast::error_code ec);
  void write_request();
  template <class Stream>
  void write_body(Stream& stream, std::shared_ptr<PeerTlsConnection> keep);
  template <class Stream>
  void read_response(Stream& stream, std::shared_ptr<PeerTlsConnection> keep);
  void on_response(boost::beast::error_code ec);
  void finish(bool ok);

  // Constant after construction.
  const PeerIdentity identity_;
  const std::vector<std::string> peer_urls_;
  PeerEvents& events_;
  const std::shared_ptr<tls::ContextSource> tls_;
  SnapshotTransferCounters counters_;

  // Strand-only state.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::beast::tcp_stream stream_;
  std::shared_ptr<PeerTlsConnection> tls_connection_;  // this snapshot's TLS layer, if https
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  std::optional<boost::beast::http::request_serializer<boost::beast::http::string_body>> head_writer_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::size_t url_index_ = 0;
  bool busy_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point started_{};  // of the send in progress
};

}  // namespace coord::transport
