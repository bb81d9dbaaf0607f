// What the two senders of a link to one peer (PeerSender for the message stream,
// SnapshotSender for snapshots) share: who is talking to whom, the events they report back to
// the transport, and how a peer URL is parsed. Plain declarations; thread-safety is stated on
// each.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/common/file.hpp"
#include "server/tls/context_source.hpp"

namespace coord::transport {

// What a sender reports back (implemented by Transport, which forwards to the node). Called
// from the senders' strands; implementations must be thread-safe.
class PeerEvents {
 public:
  virtual ~PeerEvents() = default;
  virtual void on_unreachable(std::uint64_t peer) = 0;
  virtual void on_snapshot_status(std::uint64_t peer, bool ok) = 0;
  virtual void on_removed_by_cluster() = 0;  // a peer answered 410: this member was removed
};

// Where this member's snapshot files are (server/node/durable_log.hpp, snapshot_dir): a
// SnapshotSender reads a follower's snapshot from there, a SnapshotStreamReceiver writes the
// leader's there. Without a file system no snapshot is sent or taken. The FileSystem must be
// safe for concurrent use and outlive the transport.
struct SnapshotFiles {
  FileSystem* fs = nullptr;
  std::string dir;
};

struct PeerIdentity {
  std::uint64_t self_id = 0;
  std::uint64_t peer_id = 0;
  std::uint64_t cluster_id = 0;
};

// The request that opens one of the peer port's upgraded connections (peer_wire.hpp): a GET of
// `path` asking to switch to `protocol`, in the cluster and member's name of `id`.
std::string upgrade_request(const PeerIdentity& id, std::string_view path, std::string_view protocol);

// The address to connect to for a peer URL (an advertised URL, coord/endpoint_url.hpp); nullopt
// unless its host is an IP address (or localhost, 127.0.0.1) and its port is not 0. Pure: no
// name lookup.
std::optional<boost::asio::ip::tcp::endpoint> peer_endpoint(const std::string& url);

// True for an https:// peer URL: the sender then speaks TLS to it.
bool is_https(const std::string& url);

// One TLS client connection over a sender's TCP stream (which it borrows), and the context it
// was made from. Handlers of its operations hold the shared_ptr, so it outlives them even when
// the sender has moved on to a new connection. Used on the owning sender's strand only.
struct PeerTlsConnection {
  PeerTlsConnection(std::shared_ptr<boost::asio::ssl::context> ctx, boost::beast::tcp_stream& tcp)
      : context(std::move(ctx)), stream(tcp, *context) {}

  std::shared_ptr<boost::asio::ssl::context> context;
  boost::asio::ssl::stream<boost::beast::tcp_stream&> stream;
};

// A TLS connection to the peer at `url` over `tcp`, from the source's current context: the
// peer's certificate must name the URL's host (IP or DNS name) unless the source skips
// verification (self-signed --peer-auto-tls certificates).
std::shared_ptr<PeerTlsConnection> make_peer_tls(tls::ContextSource& source, boost::beast::tcp_stream& tcp,
                                                 const std::string& url);

}  // namespace coord::transport
