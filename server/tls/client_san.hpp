// The check etcd's peer listener makes after a TLS handshake (pkg/transport/listener_tls.go
// checkSAN): a client certificate that names hosts (IP or DNS subject alternative names) must
// name the address the connection comes from, so a stolen member certificate is useless from
// another machine. IP names are compared directly; DNS names are looked up (blocking, through
// the system resolver: peer connections are few and long-lived). Thread-safe (no state).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <string>

namespace coord::tls {

// Empty when the peer certificate of `ssl` (if any) may connect from `remote`; otherwise why not.
std::string check_client_san(SSL* ssl, const boost::asio::ip::address& remote);

}  // namespace coord::tls
