// SnapshotSender: delivers Raft snapshots to one peer on the snapshot stream (peer_wire.hpp), one
// at a time, each on a connection of its own so that a large snapshot never holds up the message
// stream. Raft's message carries the snapshot's metadata only (server/node/log_storage.hpp); the
// sender opens the snapshot file of that index and term (SnapshotFiles) when the send starts and
// keeps it open to the end — a compaction that removes the file meanwhile does not take its bytes
// away — then writes the message and the file in pieces of kChunkBytes read on its strand: the
// leader never holds more than one piece, whatever the store's size, and the raft loop never
// reads the file. A file that cannot be opened is a failed send (logged; Raft tries again later).
// The outcome of each send is reported (raft report_snapshot); a snapshot that arrives while
// another is on its way is reported failed at once (raft sends it again later).
// When exactly half of the file is written (no piece crosses the middle) comes the failpoint
// snap_send_midway (server/common/failpoint.hpp), a leader cut off in the middle of a send.
// To an https peer URL the connection first does a TLS handshake (PeerTlsConnection).
// Thread-safety: send() and stop() may be called from any thread; the rest runs on its strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/common/file.hpp"
#include "server/raft/message.hpp"
#include "server/transport/peer_link.hpp"
#include "server/transport/snapshot_transfer_counters.hpp"

namespace coord::transport {

class SnapshotSender : public std::enable_shared_from_this<SnapshotSender> {
 public:
  // The piece of the file read and written at a time: what the sender holds of a snapshot.
  static constexpr std::size_t kChunkBytes = 512 * 1024;

  // `tls` (may be null: https peers are then unreachable) makes the client contexts; `files`
  // says where the snapshot files are read from (none: every send fails).
  SnapshotSender(boost::asio::io_context& ioc, PeerIdentity identity, std::vector<std::string> peer_urls,
                 PeerEvents& events, std::shared_ptr<tls::ContextSource> tls = nullptr, SnapshotFiles files = {});

  void send(raft::Message snapshot);
  void stop();
  // The sends so far (etcd_network_snapshot_send_*); a snapshot refused at once because another
  // is on its way is not a send. Any thread.
  node::SnapshotTransfers figures() const { return counters_.figures(); }

 private:
  void start(raft::Message snapshot);
  void on_connect(boost::beast::error_code ec);
  template <class Stream>
  void write_upgrade(Stream& stream, std::shared_ptr<PeerTlsConnection> keep);
  template <class Stream>
  void write_next(Stream& stream, std::shared_ptr<PeerTlsConnection> keep);
  template <class Stream>
  void read_answer(Stream& stream, std::shared_ptr<PeerTlsConnection> keep);
  void finish(bool ok);
  void refused(const std::string& why);

  // Constant after construction.
  const PeerIdentity identity_;
  const std::vector<std::string> peer_urls_;
  PeerEvents& events_;
  const std::shared_ptr<tls::ContextSource> tls_;
  const SnapshotFiles files_;
  SnapshotTransferCounters counters_;

  // Strand-only state.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::beast::tcp_stream stream_;
  std::shared_ptr<PeerTlsConnection> tls_connection_;  // this snapshot's TLS layer, if https
  boost::beast::flat_buffer buffer_;
  std::string upgrade_request_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::empty_body>> upgrade_answer_;
  std::unique_ptr<File> file_;        // the snapshot file being sent, open from start to finish
  std::uint64_t file_bytes_ = 0;
  std::uint64_t file_sent_ = 0;       // bytes of the file written so far
  std::string chunk_;                 // the preamble, then each piece of the file, then the answer
  bool midway_checked_ = false;
  std::uint64_t snapshot_index_ = 0;  // of the send in progress (for the log)
  std::size_t url_index_ = 0;
  bool busy_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point started_{};  // of the send in progress
};

}  // namespace coord::transport
