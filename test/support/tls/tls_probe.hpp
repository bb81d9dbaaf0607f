// coord::test::tls_get — one HTTPS exchange with full control over the TLS client (CA, client
// certificate, highest protocol version), reporting what the handshake showed: whether it
// succeeded, the server certificate's serial, and the HTTP answer. Used to check what a TLS
// server accepts and refuses. Blocking, bounded by a timeout; thread-safe (no shared state).
#pragma once

#include <chrono>
#include <string>

namespace coord::test {

struct TlsClientSettings {
  std::string ca_file;    // trusted CA; empty: do not verify the server
  std::string cert_file;  // client certificate; empty: none
  std::string key_file;
  bool max_tls_1_1 = false;  // offer TLS 1.0/1.1 only (a TLS 1.2+ server must refuse)
};

struct TlsResult {
  bool handshake = false;     // the TLS handshake completed (the server may still refuse later in 1.3)
  int status = 0;             // HTTP status, 0 when no answer came
  std::string body;
  std::string server_serial;  // the server certificate's serial, upper-case hex without leading zeros
  std::string error;          // what failed, if anything
};

// GET `target` from https://127.0.0.1:<port>.
TlsResult tls_get(int port, const std::string& target, const TlsClientSettings& settings,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Upper-case hex without leading zeros (serials print differently in different tools).
std::string normalize_serial(std::string hex);

}  // namespace coord::test
