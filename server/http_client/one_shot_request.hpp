// send_one_request: the server's one HTTP/1.1 client for its own outgoing requests (discovery's
// keys API calls, server/discovery/keys_client.hpp, and GET /members of a running cluster,
// server/transport/cluster_fetch.hpp). One request on a connection of its own, closed after the
// answer, over TCP or TLS, directly or through an HTTP proxy: an http target goes to the proxy in
// absolute form, an https target through a CONNECT tunnel with TLS end to end, and an https proxy
// is itself spoken to over TLS (so TLS in TLS for an https target behind it), as Go's HTTP
// client does.
//
// Everything read from the socket is untrusted: one deadline covers resolve, connect, handshakes,
// request and answer (a peer that accepts and then says nothing cannot hang the caller), and the
// answer's head and body are bounded. Errors name the step that failed:
//   kTimeout      "<step>: no answer within N ms"
//   kCorruption   "<what>: answer larger than N bytes"
//   kUnavailable  "<step>: <system or parser error>", or a proxy's refusal of a tunnel
// where <step> is "resolve H", "connect P", "TLS handshake with P", "TLS handshake with the proxy
// A", "CONNECT A through A'" or <what> (the request itself). A status other than 2xx is not an
// error here: the caller reads it.
//
// Thread-safety: a blocking call that runs its own io_context; concurrent calls are independent.
// The header is free of Asio and Beast, so its users compile without them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/common/status.hpp"

namespace boost::asio::ssl {
class context;
}

namespace coord::http_client {

// One host on the way: the target, or the proxy in between.
struct Peer {
  std::string host;         // a name or an address; IPv6 without brackets
  std::uint16_t port = 0;
  // The TLS client context to speak TLS with it (null: plain TCP). Shared: the caller may keep
  // handing out the same context (tls::ContextSource::current(), system_trust_context()).
  std::shared_ptr<boost::asio::ssl::context> tls;
  // With tls: check that the certificate names `host` (false for self-signed peers whose
  // context does not verify at all). SNI carries `host` when it is a name, either way.
  bool verify_host = true;
  // How error texts name it ("connect <name>", "TLS handshake with <name>"); "" means authority().
  std::string name;

  // "host:port" as it goes in a Host header, an absolute target or CONNECT (IPv6 in brackets).
  std::string authority() const;
};

struct Request {
  std::string method = "GET";  // any token: GET, PUT, ...
  std::string target;          // origin form: "/v2/keys/a?wait=true"
  std::string content_type;    // set (with body) when there is a body
  std::string body;
  std::string user_agent = "coordd";
  // How error texts name the exchange; "" means "<method> http[s]://<authority><target>".
  std::string what;
};

struct Options {
  std::chrono::milliseconds timeout{5000};  // the one deadline, from the call on
  std::uint64_t body_limit = 1 << 20;       // larger answers fail with kCorruption
  const Peer* proxy = nullptr;              // the HTTP proxy to go through, if any
};

struct Answer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;

  // The first value of header `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
};

// Sends `request` to `to` and reads the answer (see the top of this file).
Result<Answer> send_one_request(const Peer& to, const Request& request, const Options& options);

// A TLS client context that verifies servers against the system's CAs (OpenSSL's default
// paths, so SSL_CERT_FILE counts), as etcd does for a discovery service.
std::shared_ptr<boost::asio::ssl::context> system_trust_context();

}  // namespace coord::http_client
