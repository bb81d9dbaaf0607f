// SnapshotStreamReceiver: the receiving end of one snapshot stream (peer_wire.hpp, "The snapshot
// stream"), on a connection upgraded from the peer listener. It reads the preamble (one snapshot
// message without data, and the file's length), then the file in pieces of kReadChunk straight
// into a snap::SnapshotFileReceiver (the snapshot directory's temp file): the body is never held
// whole. Once the file is in and checked (size, header, CRC — by the file receiver — and its
// data a store image, node::decode_received_snapshot, off the io threads: it builds a whole
// store) it is renamed into place and the message stepped into the node with the decoded state,
// which the node installs; then it answers 204.
// Anything wrong — a preamble that does not decode or is not a snapshot from the sender to this
// member, a size over the limit, a file that is short, too long, of another snapshot or fails its
// CRC, a sender silent for kIdleTimeout — ends the stream with the temp file removed and, when
// the connection still stands, an answer saying why (400, or 410 for a removed sender).
// Thread-safety: start() and close() may be called from any thread; the rest runs on the
// socket's executor (the strand of the session it was upgraded from).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/http/session.hpp"
#include "server/raft/message.hpp"
#include "server/snap/snapshot_file_receiver.hpp"
#include "server/store/store.hpp"
#include "server/transport/peer_link.hpp"
#include "server/transport/snapshot_transfer_counters.hpp"

namespace coord::node {
class Node;
}

namespace coord::transport {

class SnapshotStreamReceiver : public std::enable_shared_from_this<SnapshotStreamReceiver> {
 public:
  static constexpr std::size_t kReadChunk = 256 * 1024;
  static constexpr std::chrono::seconds kIdleTimeout{30};
  // How long what a refused sender still writes is read and dropped after the answer.
  static constexpr std::chrono::seconds kLingerTimeout{2};

  // `leftover`: bytes already read with the upgrade request. `transfer`: this receive, counted
  // with the peer's (finished ok only when the node took the snapshot). `slot` is held until the
  // stream's transfer ends (the transport's one-snapshot-at-a-time): released when the answer is
  // decided, before it is written, so a sender that has it may open the next stream at once.
  // `image_checks`: where the received data is checked (it builds a whole scratch store): not
  // an io thread.
  SnapshotStreamReceiver(http::UpgradedStream stream, std::string leftover, node::Node& node, std::uint64_t self_id,
                         std::uint64_t from, SnapshotFiles files, std::shared_ptr<SnapshotTransfer> transfer,
                         std::shared_ptr<void> slot, boost::asio::any_io_executor image_checks);

  void start();
  void close();

 private:
  // Consumes what buffer_ holds; false when the stream has ended (answered or shut).
  bool consume();
  void read_more();
  void arm_timer();
  // Ends the stream: writes the answer, then closes.
  void answer(std::uint16_t status, const std::string& text);
  // Every byte is in: has the data checked on image_checks_, then install() runs here.
  void complete();
  // The check's outcome: the file's data decoded, or why it was refused.
  using Decoded = Result<store::DecodedState>;
  // With the check's outcome: refuses the file, or puts it in place and steps the message with
  // the decoded state (of `data_bytes` of image).
  void install(const std::shared_ptr<Decoded>& decoded, std::uint64_t data_bytes);
  void drain();
  void shut();

  // Constant after construction.
  node::Node& node_;
  const std::uint64_t self_id_;
  const std::uint64_t from_;
  const SnapshotFiles files_;
  const std::shared_ptr<SnapshotTransfer> transfer_;
  const boost::asio::any_io_executor image_checks_;

  // Executor-only state.
  http::UpgradedStream stream_;
  boost::asio::steady_timer timer_;
  std::string buffer_;             // received, not yet consumed (the preamble; then one piece)
  raft::Message message_;          // from the preamble
  bool have_preamble_ = false;
  std::unique_ptr<snap::SnapshotFileReceiver> file_;
  std::shared_ptr<void> slot_;     // until the answer is decided or the stream shut
  std::string answer_;
  bool ended_ = false;             // answered or shut: no more reading
  bool draining_ = false;          // answered: reading only to drop, until kLingerTimeout
  bool closed_ = false;
};

}  // namespace coord::transport
