#include "server/transport/peer_link.hpp"

#include <boost/asio/ssl/host_name_verification.hpp>

#include "coord/endpoint_url.hpp"
#include "server/common/hex.hpp"

namespace coord::transport {

namespace {

std::optional<EndpointUrl> peer_url(const std::string& url) { return EndpointUrl::parse(url, UrlRules::kAdvertise); }

}  // namespace

std::optional<boost::asio::ip::tcp::endpoint> peer_endpoint(const std::string& url) {
  const auto u = peer_url(url);
  // etcd takes port 0 in a peer URL (coord/endpoint_url.hpp), but nothing can be dialed there.
  if (!u || u->port() == 0) return std::nullopt;
  return u->tcp_endpoint();
}

bool is_https(const std::string& url) {
  const auto u = peer_url(url);
  return u && u->is_tls();
}

std::shared_ptr<PeerTlsConnection> make_peer_tls(tls::ContextSource& source, boost::beast::tcp_stream& tcp,
                                                 const std::string& url) {
  auto connection = std::make_shared<PeerTlsConnection>(source.current(), tcp);
  // Only called for URLs peer_endpoint accepted.
  const auto u = peer_url(url);
  const std::string host = u ? u->hostname() : std::string();
  // SNI carries names only; an IP is checked against the certificate's IP SANs.
  if (u && !u->host_is_address()) SSL_set_tlsext_host_name(connection->stream.native_handle(), host.c_str());
  if (source.verifies_server()) connection->stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return connection;
}

std::string upgrade_request(const PeerIdentity& id, std::string_view path, std::string_view protocol) {
  std::string r = "GET ";
  r += path;
  r += " HTTP/1.1\r\nHost: coordd\r\nConnection: Upgrade\r\nUpgrade: ";
  r += protocol;
  r += "\r\nX-Etcd-Cluster-Id: " + to_hex(id.cluster_id);
  r += "\r\nX-Server-From: " + to_hex(id.self_id);
  r += "\r\n\r\n";
  return r;
}

}  // namespace coord::transport
