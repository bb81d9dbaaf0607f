// KeysClient: the keys API calls of discovery (server/discovery/keys_api.hpp) as HTTP/1.1
// exchanges with the discovery URL's host through the server's one HTTP client
// (server/http_client/one_shot_request.hpp), directly or through an HTTP proxy
// (--discovery-proxy, which gets absolute-form request targets as any HTTP proxy does). An https
// URL is spoken to over TLS, its certificate verified against the system's CAs (OpenSSL's
// default paths, so SSL_CERT_FILE counts) and its host name, as etcd does; through a proxy, an
// https URL goes through a CONNECT tunnel (as Go's HTTP client does), the TLS session end to end
// with the service. An https proxy is itself spoken to over TLS, its certificate checked the
// same way, and all of the above happens inside that session (TLS in TLS for an https URL). Each call
// opens its own connection and runs under one deadline that covers resolve, connect, request and
// answer, so a service that accepts and then says nothing cannot hang a member's start.
//
// Also ServiceUrl: a discovery URL split into the host to talk to and the token path under it.
//
// Thread-safety: a KeysClient is used from one thread at a time (main's, during bootstrap).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "server/discovery/keys_api.hpp"

namespace coord::discovery {

// http[s]://host[:port]/path, as discovery and proxy URLs are given.
struct ServiceUrl {
  bool tls = false;       // https: the service's certificate is checked against the system's CAs
  std::string host;       // a name or an address; IPv6 without brackets
  std::uint16_t port = 80;
  std::string path;       // the token path, e.g. /v2/keys/discovery/abc ("" when none)

  // "host:port" as it goes in a Host header or an absolute request target.
  std::string authority() const;
  // A discovery URL (--discovery). The errors say what is wrong with it.
  static Result<ServiceUrl> parse(const std::string& text);
  // A proxy address as etcd reads --discovery-proxy: "host:port" without a scheme means http;
  // an https proxy is spoken to over TLS.
  static Result<ServiceUrl> parse_proxy(const std::string& text);
};

class KeysClient final : public KeysApi {
 public:
  // `service`: whom to ask; `proxy`: the HTTP proxy in between, if any. `request_timeout` bounds
  // get and create; `watch_timeout` bounds one long-poll, after which watch() says kTimeout.
  KeysClient(ServiceUrl service, std::optional<ServiceUrl> proxy, std::chrono::milliseconds request_timeout,
             std::chrono::milliseconds watch_timeout);

  Result<KeysAnswer> get(const std::string& key) override;
  Result<KeysAnswer> create(const std::string& key, const std::string& value) override;
  Result<KeysAnswer> watch(const std::string& key, std::uint64_t wait_index, bool recursive) override;

 private:
  Result<KeysAnswer> exchange(const std::string& method, const std::string& target, const std::string& form_body,
                              std::chrono::milliseconds timeout);

  ServiceUrl service_;
  std::optional<ServiceUrl> proxy_;
  std::chrono::milliseconds request_timeout_;
  std::chrono::milliseconds watch_timeout_;
};

// Percent-encodes `text` for a URL path (keeps unreserved characters and '/').
std::string escape_path(const std::string& text);
// Percent-encodes `text` for an application/x-www-form-urlencoded value.
std::string escape_form(const std::string& text);
// Reads a keys API JSON body into `answer` (node, action, errorCode, message); false when the
// body is not the keys API's JSON.
bool parse_keys_body(const std::string& body, KeysAnswer& answer);

}  // namespace coord::discovery
