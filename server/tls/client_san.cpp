#include "server/tls/client_san.hpp"

#include <netdb.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <vector>

namespace coord::tls {

namespace {

// True when `name` resolves to `remote` (one of its addresses).
bool resolves_to(const std::string& name, const boost::asio::ip::address& remote) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return false;
  bool match = false;
  for (addrinfo* a = found; a != nullptr && !match; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (::getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0) continue;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(text, ec);
    match = !ec && address == remote;
  }
  ::freeaddrinfo(found);
  return match;
}

}  // namespace

std::string check_client_san(SSL* ssl, const boost::asio::ip::address& remote) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return {};
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  bool has_ip = false;
  std::vector<std::string> dns;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_IPADD) has_ip = true;
    if (n->type == GEN_DNS)
      dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                       static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
  }
  GENERAL_NAMES_free(names);
  if (!has_ip && dns.empty()) return {};  // a certificate that names no host is not checked (as etcd)
  const std::string host = remote.is_v6() && remote.to_v6().is_v4_mapped()
                               ? boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, remote.to_v6()).to_string()
                               : remote.to_string();
  if (has_ip && X509_check_ip_asc(cert, host.c_str(), 0) == 1) return {};
  if (dns.empty()) return "tls: the client certificate is not valid for " + host;
  for (const auto& name : dns)
    if (name.rfind("*.", 0) != 0 && resolves_to(name, boost::asio::ip::make_address(host))) return {};
  std::string list;
  for (const auto& name : dns) list += (list.empty() ? "" : " ") + name;
  return "tls: \"" + host + "\" does not match any of DNSNames [" + list + "]";
}

}  // namespace coord::tls
