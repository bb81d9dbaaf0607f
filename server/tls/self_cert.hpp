// Self-signed certificates for --auto-tls and --peer-auto-tls, made as etcd makes them
// (pkg/transport/listener.go SelfCert): an ECDSA P-521 key and a certificate valid for a year,
// organisation "etcd", with the listen URLs' hosts as IP or DNS subject alternative names, in
// <dir>/cert.pem and <dir>/key.pem (0600). Files already there are used as they are.
// Blocking file I/O; call from main before serving.
#pragma once

#include <string>
#include <vector>

#include "server/common/status.hpp"
#include "server/config/server_config.hpp"

namespace coord::tls {

// Makes (or reuses) the pair in `dir` and returns TLS settings naming it, marked self_signed.
Result<config::TlsInfo> self_cert(const std::string& dir, const std::vector<std::string>& hosts);

}  // namespace coord::tls
