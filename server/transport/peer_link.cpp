#include "server/transport/peer_link.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <charconv>

namespace coord::transport {

bool split_url(const std::string& url, std::string& host, std::uint16_t& port) {
  auto sep = url.find("://");
  std::string rest = sep == std::string::npos ? url : url.substr(sep + 3);
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  host = rest.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  const std::string p = rest.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::optional<boost::asio::ip::tcp::endpoint> peer_endpoint(const std::string& url) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_url(url, host, port)) return std::nullopt;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return boost::asio::ip::tcp::endpoint(address, port);
}

bool is_https(const std::string& url) { return url.rfind("https://", 0) == 0; }

std::shared_ptr<PeerTlsConnection> make_peer_tls(tls::ContextSource& source, boost::beast::tcp_stream& tcp,
                                                 const std::string& url) {
  auto connection = std::make_shared<PeerTlsConnection>(source.current(), tcp);
  std::string host;
  auto sep = url.find("://");
  std::string rest = url.substr(sep == std::string::npos ? 0 : sep + 3);
  rest = rest.substr(0, rest.find('/'));
  host = rest.substr(0, rest.rfind(':'));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  // SNI carries names only; an IP is checked against the certificate's IP SANs.
  if (not_ip) SSL_set_tlsext_host_name(connection->stream.native_handle(), host.c_str());
  if (source.verifies_server()) connection->stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return connection;
}

}  // namespace coord::transport
