// EndpointUrl: one http(s) URL that names a server — a listen address, an advertised or peer URL,
// a client endpoint, a discovery service — parsed once with Boost.URL under one set of rules.
// The server (flags, peers, proxy, discovery), the SDK and the examples all read URLs through it.
// A plain value: immutable once parsed, safe to share between threads.
//
// The rules. One table; the contexts (UrlRules) differ only where etcd itself does.
//
//   rule                      listen      advertise   endpoint    service
//   scheme http/https         required    required    optional    required   (any case: "HTTP" is http)
//   missing scheme            refused     refused     http://     refused
//   other scheme (ftp, unix)  refused     refused     refused     refused
//   user information (u@h)    ignored     ignored     refused     refused
//   empty host                refused     refused     refused     refused
//   host name (not an IP)     refused     allowed     allowed     allowed    ("localhost" always allowed)
//   port missing              refused     refused     80 / 443    80 / 443
//   port 0                    allowed     allowed     refused     refused
//   port > 65535, non-digits  refused     refused     refused     refused
//   path "/" (trailing slash) refused     refused     allowed     allowed
//   longer path               refused     refused     refused     allowed
//   query or fragment         ignored     ignored     refused     refused
//
// Why: listen and advertise are etcd's URL flags and members API (etcd 3.4, pkg/types/urls.go
// NewURLs and embed/config.go checkBindURLs): a scheme, "host:port" and no path (a lone "/" is a
// path to etcd too); a listen URL binds, so its host is an IP address or localhost, and port 0
// binds any free port. etcd also takes port 0 in an advertised URL; it is refused only where a
// peer is dialed (server/transport/peer_link.hpp).
// An endpoint is what a user types to reach a server (SDK, coordctl, examples): "host:port"
// means http://host:port, a missing port is the scheme's default, and port 0 can never be
// reached. A service URL is the discovery URL (it carries the token path). etcd's flags and
// members API take user information, a query and a fragment and never read them ("ignored":
// kept in text(), left out of everything else); the SDK and discovery would have to send them
// and do not, so there they are refused rather than silently dropped. Unix sockets are not
// served, so unix:// and unixs:// (which etcd takes) are refused.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coord {

// What a URL may be in one context (the columns of the table above).
struct UrlRules {
  bool scheme_optional = false;  // no "://": read as http://
  bool ip_host_only = false;     // the host must be an IP address or "localhost"
  bool port_required = true;     // otherwise the scheme's default (80, 443)
  bool port_zero_allowed = false;
  bool path_allowed = false;     // any path; otherwise none (or only "/" when slash_allowed)
  bool slash_allowed = false;    // a lone trailing "/"
  bool extras_ignored = false;   // user information, query and fragment pass (unread); otherwise refused

  static const UrlRules kListen;     // --listen-client-urls, --listen-peer-urls, --listen-metrics-urls
  static const UrlRules kAdvertise;  // --advertise-client-urls, --initial-advertise-peer-urls, --initial-cluster, member peer URLs
  static const UrlRules kEndpoint;   // a client endpoint given by a user (SDK, coordctl, examples)
  static const UrlRules kService;    // --discovery: http(s)://host[:port]/path
};

// Why a text was refused; callers turn kinds into their own messages (etcd's, for the server).
enum class UrlError {
  kScheme,     // missing or not http/https
  kSyntax,     // not a URL at all (e.g. "[::1" or spaces)
  kUserinfo,   // user information where it is refused
  kHost,       // empty host, or a host name where an IP address is required
  kPort,       // missing, 0, > 65535 or not digits
  kPath,       // a path where none is allowed
  kQuery,      // a query or a fragment where they are refused
};

class EndpointUrl {
 public:
  // Parses `text` under `rules`; on refusal returns nullopt and sets `error` (and `why`, a short
  // English reason, when given).
  static std::optional<EndpointUrl> parse(std::string_view text, const UrlRules& rules, UrlError* error = nullptr,
                                          std::string* why = nullptr);

  // The text as given (before any http:// was added).
  const std::string& text() const { return text_; }
  // text() with its scheme in lower case: how etcd keeps a URL it was given (Go's url.String()
  // after url.Parse), hence how coordd advertises and stores one (member ids hash it). Only for
  // a text that names its scheme (not for an endpoint read as http://).
  std::string text_with_lower_case_scheme() const { return scheme_ + text_.substr(scheme_.size()); }
  // "http" or "https", lower case.
  const std::string& scheme() const { return scheme_; }
  bool is_tls() const { return scheme_ == "https"; }
  // The host as written, IPv6 addresses in brackets: "127.0.0.1", "node-a", "[::1]".
  const std::string& host() const { return host_; }
  // The host without brackets, as resolvers and certificates take it: "::1".
  std::string hostname() const;
  // The port, the scheme's default when the text has none.
  std::uint16_t port() const { return port_; }
  // The path as written ("" when none); only service URLs may have one beyond "/".
  const std::string& path() const { return path_; }
  // "host:port" with brackets for IPv6, the port always present (a Host header, a dial target).
  std::string authority() const;
  // scheme://host[:port] in lower-case scheme, the port only if written, no trailing slash: the
  // spelling the SDK keeps for an endpoint and the server advertises (etcd's url.String()).
  std::string normalized() const;
  // True when the host is an IP address literal (not a name, not "localhost").
  bool host_is_address() const;
  // The TCP endpoint when the host is an IP address or "localhost" (127.0.0.1): no name lookup.
  std::optional<boost::asio::ip::tcp::endpoint> tcp_endpoint() const;

 private:
  EndpointUrl() = default;

  std::string text_;
  std::string scheme_;
  std::string host_;
  std::uint16_t port_ = 0;
  bool port_written_ = false;
  std::string path_;
};

}  // namespace coord
