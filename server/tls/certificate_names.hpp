// The common names of a TLS connection's verified client certificate chain, leaf first: what
// v2 auth reads as the user of a request that carries no Authorization header when
// --client-cert-auth is on (server/http/auth_gate.hpp). Thread-safe (no state); call after the
// handshake on the connection's strand.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

namespace coord::tls {

// Empty when the peer sent no certificate or it was not verified (a handshake that did not
// require one). A certificate without a common name is skipped.
std::vector<std::string> verified_common_names(SSL* ssl);

}  // namespace coord::tls
