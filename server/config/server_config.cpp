#include "server/config/server_config.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <tuple>

#include "server/common/sha1.hpp"
#include "server/config/cipher_suites.hpp"
#include "server/config/split.hpp"

namespace coord::config {
namespace {

Result<std::uint64_t> parse_uint(const std::string& flag, const std::string& v) {
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size())
    return Status::invalid_argument("invalid value \"" + v + "\" for flag -" + flag + ": parse error");
  return out;
}

// Go's strconv.ParseBool spellings.
Result<bool> parse_bool(const std::string& flag, const std::string& v) {
  static const std::set<std::string> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(v)) return true;
  if (kFalse.count(v)) return false;
  return Status::invalid_argument("invalid boolean value \"" + v + "\" for -" + flag + ": parse error");
}

// One URL of a URL flag under `rules` (coord/endpoint_url.hpp), with etcd's messages.
Result<EndpointUrl> parse_url(const std::string& text, const UrlRules& rules) {
  UrlError error{};
  auto u = EndpointUrl::parse(text, rules, &error);
  if (u) return *u;
  switch (error) {
    case UrlError::kScheme: return Status::invalid_argument("URL scheme must be http or https: " + text);
    case UrlError::kPath: return Status::invalid_argument("URL must not contain a path: " + text);
    case UrlError::kHost:
      if (rules.ip_host_only) return Status::invalid_argument("expected IP in URL for binding (" + text + ")");
      break;
    default: break;
  }
  return Status::invalid_argument("URL address does not have the form \"host:port\": " + text);
}

Result<std::vector<EndpointUrl>> parse_urls(const std::string& flag, const std::string& v, const UrlRules& rules) {
  std::vector<EndpointUrl> out;
  for (const auto& part : split(v, ',')) {
    auto u = parse_url(part, rules);
    if (!u) return Status::invalid_argument("invalid value \"" + v + "\" for flag -" + flag + ": " +
                                            u.status().message());
    out.push_back(*u);
  }
  return out;
}

Result<std::vector<std::string>> parse_url_texts(const std::string& flag, const std::string& v) {
  auto urls = parse_urls(flag, v, UrlRules::kAdvertise);
  if (!urls) return urls.status();
  std::vector<std::string> out;
  for (const auto& u : *urls) out.push_back(u.text_with_lower_case_scheme());
  return out;
}

}  // namespace

Result<std::vector<InitialMember>> parse_initial_cluster(const std::string& v) {
  std::vector<InitialMember> out;
  for (const auto& part : split(v, ',')) {
    auto eq = part.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::invalid_argument("invalid value \"" + v + "\" for flag -initial-cluster: "
                                      "expected name=peerURL pairs");
    const std::string name = part.substr(0, eq);
    auto url = parse_url(part.substr(eq + 1), UrlRules::kAdvertise);
    if (!url) return Status::invalid_argument("--initial-cluster: " + url.status().message());
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& m) { return m.name == name; });
    if (it == out.end()) it = out.insert(out.end(), InitialMember{name, {}});
    it->peer_urls.push_back(url->text_with_lower_case_scheme());
  }
  for (auto& m : out) std::sort(m.peer_urls.begin(), m.peer_urls.end());
  return out;
}

namespace {

enum class Kind { kString, kUint, kBool, kMillis, kIgnored, kUnsupported };

struct Flag {
  const char* name;
  Kind kind;
  const char* help;
  std::function<Status(ServerConfig&, const std::string&)> set;
};

// A path-valued TLS flag: stores the text into the field `member` of the client or peer side.
Flag tls_path(const char* name, const char* help, bool peer, std::string TlsInfo::*member) {
  return {name, Kind::kString, help, [peer, member](ServerConfig& c, const std::string& v) {
            (peer ? c.peer_tls : c.client_tls).*member = v;
            return Status::ok();
          }};
}

// A boolean flag (Go's spellings, parse_bool): stores the value into the field `field` returns.
Flag bool_flag(const char* name, const char* help, std::function<bool&(ServerConfig&)> field) {
  return {name, Kind::kBool, help, [name, field](ServerConfig& c, const std::string& v) -> Status {
            auto b = parse_bool(name, v);
            if (!b) return b.status();
            field(c) = *b;
            return Status::ok();
          }};
}

// etcd 3.4's TLS flags (etcdmain/config.go), and etcd 2's --ca-file / --peer-ca-file, which meant
// "trust this CA and require client certificates signed by it".
void add_tls_flags(std::vector<Flag>& f) {
  f.push_back(tls_path("cert-file", "Path to the client server TLS cert file.", false, &TlsInfo::cert_file));
  f.push_back(tls_path("key-file", "Path to the client server TLS key file.", false, &TlsInfo::key_file));
  f.push_back(bool_flag("client-cert-auth", "Enable client cert authentication.",
                       [](ServerConfig& c) -> bool& { return c.client_tls.client_cert_auth; }));
  f.push_back(tls_path("client-crl-file", "Path to the client certificate revocation list file.", false,
                       &TlsInfo::crl_file));
  f.push_back(tls_path("client-cert-allowed-hostname", "Allowed TLS hostname for client cert authentication.",
                       false, &TlsInfo::allowed_hostname));
  f.push_back(tls_path("trusted-ca-file", "Path to the client server TLS trusted CA cert file.", false,
                       &TlsInfo::trusted_ca_file));
  f.push_back({"ca-file", Kind::kString, "DEPRECATED (etcd 2): trusted CA file plus client cert authentication.",
               [](ServerConfig& c, const std::string& v) {
                 c.client_tls.trusted_ca_file = v;
                 c.client_tls.client_cert_auth = !v.empty();
                 return Status::ok();
               }});
  f.push_back(bool_flag("auto-tls", "Client TLS using generated certificates.",
                       [](ServerConfig& c) -> bool& { return c.client_auto_tls; }));
  f.push_back(tls_path("peer-cert-file", "Path to the peer server TLS cert file.", true, &TlsInfo::cert_file));
  f.push_back(tls_path("peer-key-file", "Path to the peer server TLS key file.", true, &TlsInfo::key_file));
  f.push_back(bool_flag("peer-client-cert-auth", "Enable peer client cert authentication.",
                       [](ServerConfig& c) -> bool& { return c.peer_tls.client_cert_auth; }));
  f.push_back(tls_path("peer-trusted-ca-file", "Path to the peer server TLS trusted CA file.", true,
                       &TlsInfo::trusted_ca_file));
  f.push_back({"peer-ca-file", Kind::kString, "DEPRECATED (etcd 2): peer trusted CA file plus peer client cert authentication.",
               [](ServerConfig& c, const std::string& v) {
                 c.peer_tls.trusted_ca_file = v;
                 c.peer_tls.client_cert_auth = !v.empty();
                 return Status::ok();
               }});
  f.push_back(bool_flag("peer-auto-tls", "Peer TLS using generated certificates.",
                       [](ServerConfig& c) -> bool& { return c.peer_auto_tls; }));
  f.push_back(bool_flag("experimental-peer-skip-client-san-verification",
                       "Skip verification of SAN field in client certificate for peer connections.",
                       [](ServerConfig& c) -> bool& { return c.peer_skip_client_san_verification; }));
  f.push_back(tls_path("peer-crl-file", "Path to the peer certificate revocation list file.", true, &TlsInfo::crl_file));
  f.push_back(tls_path("peer-cert-allowed-cn", "Allowed CN for inter peer authentication.", true, &TlsInfo::allowed_cn));
  f.push_back(tls_path("peer-cert-allowed-hostname", "Allowed TLS hostname for inter peer authentication.", true,
                       &TlsInfo::allowed_hostname));
  f.push_back({"cipher-suites", Kind::kString,
               "Comma-separated list of supported TLS cipher suites between client/server and peers (empty: OpenSSL's defaults).",
               [](ServerConfig& c, const std::string& v) -> Status {
                 c.cipher_suites.clear();
                 if (v.empty()) return Status::ok();
                 for (const auto& name : split(v, ',')) {
                   auto openssl = openssl_cipher_name(name);
                   if (!openssl) return Status::invalid_argument("unexpected TLS cipher suite \"" + name + "\"");
                   if (!openssl->empty()) c.cipher_suites.push_back(*openssl);
                 }
                 return Status::ok();
               }});
}

// etcd 3.4's proxy flags (etcdmain/config.go): a mode, and times in milliseconds.
void add_proxy_flags(std::vector<Flag>& f) {
  f.push_back({"proxy", Kind::kString, "Valid values include [\"off\" \"on\" \"readonly\"]",
               [](ServerConfig& c, const std::string& v) -> Status {
                 if (v == "off") c.proxy = ServerConfig::ProxyMode::kOff;
                 else if (v == "on") c.proxy = ServerConfig::ProxyMode::kOn;
                 else if (v == "readonly") c.proxy = ServerConfig::ProxyMode::kReadonly;
                 else return Status::invalid_argument("invalid value \"" + v + "\" for flag -proxy: invalid value");
                 return Status::ok();
               }});
  auto millis = [&](const char* n, const char* h, std::chrono::milliseconds ServerConfig::*field) {
    f.push_back({n, Kind::kUint, h, [n, field](ServerConfig& c, const std::string& v) -> Status {
                   auto x = parse_uint(n, v);
                   if (!x) return x.status();
                   // Go parses these as uint (64 bits); a value past what a duration holds is refused as out of range.
                   if (*x > std::uint64_t{1} << 62) return Status::invalid_argument("invalid value \"" + v + "\" for flag -" + n + ": value out of range");
                   c.*field = std::chrono::milliseconds(static_cast<std::int64_t>(*x));
                   return Status::ok();
                 }});
  };
  millis("proxy-failure-wait", "Time (in milliseconds) an endpoint will be held in a failed state.", &ServerConfig::proxy_failure_wait);
  millis("proxy-refresh-interval", "Time (in milliseconds) of the endpoints refresh interval.", &ServerConfig::proxy_refresh_interval);
  millis("proxy-dial-timeout", "Time (in milliseconds) for a dial to timeout.", &ServerConfig::proxy_dial_timeout);
  millis("proxy-write-timeout", "Time (in milliseconds) for a write to timeout.", &ServerConfig::proxy_write_timeout);
  millis("proxy-read-timeout", "Time (in milliseconds) for a read to timeout.", &ServerConfig::proxy_read_timeout);
}

// etcd 3.4's discovery flags (etcdmain/config.go). DNS SRV discovery is not built: refused by name.
void add_discovery_flags(std::vector<Flag>& f) {
  f.push_back({"discovery", Kind::kString, "Discovery URL used to bootstrap the cluster.",
               [](ServerConfig& c, const std::string& v) -> Status {
                 c.discovery = v;
                 return Status::ok();
               }});
  f.push_back({"discovery-fallback", Kind::kString,
               "Expected behavior ('exit' or 'proxy') when discovery services fails.",
               [](ServerConfig& c, const std::string& v) -> Status {
                 if (v == "proxy") c.discovery_fallback = ServerConfig::DiscoveryFallback::kProxy;
                 else if (v == "exit") c.discovery_fallback = ServerConfig::DiscoveryFallback::kExit;
                 else return Status::invalid_argument("invalid value \"" + v + "\" for flag -discovery-fallback: "
                                                      "valid values are \"exit\", \"proxy\"");
                 return Status::ok();
               }});
  f.push_back({"discovery-proxy", Kind::kString, "HTTP proxy to use for traffic to discovery service.",
               [](ServerConfig& c, const std::string& v) -> Status {
                 c.discovery_proxy = v;
                 return Status::ok();
               }});
  for (const char* n : {"discovery-srv", "discovery-srv-name"})
    f.push_back({n, Kind::kString, "DNS SRV discovery: not supported by coordd (use --discovery or --initial-cluster).",
                 [n](ServerConfig&, const std::string& v) -> Status {
                   if (v.empty()) return Status::ok();
                   return Status::invalid_argument(std::string("-") + n +
                                                   ": DNS SRV discovery is not supported by coordd; "
                                                   "use --discovery or --initial-cluster");
                 }});
}

// etcd 3.4's logging flags (etcdmain/config.go); checked together once all are read
// (resolve_log_options), since each one's rules depend on the others.
void add_log_flags(std::vector<Flag>& f) {
  f.push_back({"logger", Kind::kString, "Specify 'zap' for structured logging (JSON lines) or 'capnslog' (text lines, the default).",
               [](ServerConfig& c, const std::string& v) {
                 c.log_flags.logger = v;
                 return Status::ok();
               }});
  f.push_back({"log-outputs", Kind::kString,
               "Specify 'stdout' or 'stderr', or (with --logger zap) a comma-separated list of outputs and file paths.",
               [](ServerConfig& c, const std::string& v) -> Status {
                 auto outputs = parse_log_outputs(v);
                 if (!outputs) return outputs.status();
                 c.log_flags.outputs = *outputs;
                 return Status::ok();
               }});
  f.push_back({"log-level", Kind::kString, "Configures log level. Only supports debug, info, warn, error, panic, or fatal. Default 'info'.",
               [](ServerConfig& c, const std::string& v) -> Status {
                 auto level = parse_log_level(v);
                 if (!level) return level.status();
                 c.log_flags.level = v;
                 return Status::ok();
               }});
  f.push_back(bool_flag("debug", "Enable debug-level logging (the same as '--log-level=debug').",
                        [](ServerConfig& c) -> bool& { return c.log_flags.debug; }));
  f.push_back({"log-package-levels", Kind::kString,
               "Log level of coordd's one package, e.g. 'coordd=DEBUG' (capnslog's level names).",
               [](ServerConfig& c, const std::string& v) {
                 c.log_flags.package_levels = v;
                 return Status::ok();
               }});
}

// Flags that take a value, in --help order. Each setter validates and stores.
const std::vector<Flag>& flags() {
  static const std::vector<Flag> kFlags = [] {
    std::vector<Flag> f;
    auto str = [&](const char* n, const char* h, auto fn) { f.push_back({n, Kind::kString, h, fn}); };
    str("name", "Human-readable name for this member.", [](ServerConfig& c, const std::string& v) {
      c.name = v;
      return Status::ok();
    });
    str("data-dir", "Path to the data directory.", [](ServerConfig& c, const std::string& v) {
      c.data_dir = v;
      return Status::ok();
    });
    str("listen-client-urls", "List of URLs to listen on for client traffic.",
        [](ServerConfig& c, const std::string& v) {
          auto u = parse_urls("listen-client-urls", v, UrlRules::kListen);
          if (!u) return u.status();
          c.listen_client_urls = *u;
          return Status::ok();
        });
    str("listen-metrics-urls", "List of URLs to listen on for the metrics and health endpoints.",
        [](ServerConfig& c, const std::string& v) {
          auto u = parse_urls("listen-metrics-urls", v, UrlRules::kListen);
          if (!u) return u.status();
          c.listen_metrics_urls = *u;
          return Status::ok();
        });
    str("metrics", "Set level of detail for exported metrics, specify 'extensive' to include server side grpc histogram metrics (coordd has no gRPC: both levels give the same page).",
        [](ServerConfig& c, const std::string& v) {
          if (v != "basic" && v != "extensive")
            return Status::invalid_argument("--metrics must be basic or extensive, not \"" + v + "\"");
          c.extensive_metrics = v == "extensive";
          return Status::ok();
        });
    str("advertise-client-urls", "List of this member's client URLs to advertise to the public.",
        [](ServerConfig& c, const std::string& v) {
          auto u = parse_url_texts("advertise-client-urls", v);
          if (!u) return u.status();
          c.advertise_client_urls = *u;
          return Status::ok();
        });
    str("listen-peer-urls", "List of URLs to listen on for peer traffic.",
        [](ServerConfig& c, const std::string& v) {
          auto u = parse_urls("listen-peer-urls", v, UrlRules::kListen);
          if (!u) return u.status();
          c.listen_peer_urls = *u;
          return Status::ok();
        });
    str("initial-advertise-peer-urls", "List of this member's peer URLs to advertise to the rest of the cluster.",
        [](ServerConfig& c, const std::string& v) {
          auto u = parse_url_texts("initial-advertise-peer-urls", v);
          if (!u) return u.status();
          c.initial_advertise_peer_urls = *u;
          return Status::ok();
        });
    str("initial-cluster", "Initial cluster configuration for bootstrapping.",
        [](ServerConfig& c, const std::string& v) {
          auto m = parse_initial_cluster(v);
          if (!m) return m.status();
          c.initial_cluster = *m;
          return Status::ok();
        });
    str("initial-cluster-state", "Initial cluster state ('new' or 'existing').",
        [](ServerConfig& c, const std::string& v) {
          if (v != "new" && v != "existing")
            return Status::invalid_argument("invalid value \"" + v +
                                            "\" for flag -initial-cluster-state: valid values are \"new\", \"existing\"");
          c.initial_cluster_state = v;
          return Status::ok();
        });
    str("initial-cluster-token", "Initial cluster token for the etcd cluster during bootstrap.",
        [](ServerConfig& c, const std::string& v) {
          c.initial_cluster_token = v;
          return Status::ok();
        });
    // etcd takes "*" alone, or URLs (http(s)://host:port, no path) that it compares with a
    // request's Origin header as written; anything else, an empty value included, is refused.
    str("cors", "Comma-separated white list of origins for CORS, or cross-origin resource sharing, (empty or * means allow all).",
        [](ServerConfig& c, const std::string& v) -> Status {
          if (v == "*") {
            c.cors = {"*"};
            return Status::ok();
          }
          auto origins = parse_url_texts("cors", v);
          if (!origins) return origins.status();
          c.cors = std::move(*origins);
          return Status::ok();
        });
    auto uint_flag = [&](const char* n, const char* h, auto fn) {
      f.push_back({n, Kind::kUint, h, [n, fn](ServerConfig& c, const std::string& v) -> Status {
                     auto x = parse_uint(n, v);
                     if (!x) return x.status();
                     return fn(c, *x);
                   }});
    };
    uint_flag("snapshot-count", "Number of committed transactions to trigger a snapshot to disk.",
              [](ServerConfig& c, std::uint64_t v) {
                if (v == 0) return Status::invalid_argument("--snapshot-count must be positive");
                c.snapshot_count = v;
                return Status::ok();
              });
    uint_flag("heartbeat-interval", "Time (in milliseconds) of a heartbeat interval.",
              [](ServerConfig& c, std::uint64_t v) {
                c.heartbeat_interval = std::chrono::milliseconds(v);
                return Status::ok();
              });
    uint_flag("election-timeout", "Time (in milliseconds) for an election to timeout.",
              [](ServerConfig& c, std::uint64_t v) {
                c.election_timeout = std::chrono::milliseconds(v);
                return Status::ok();
              });
    uint_flag("max-snapshots", "Maximum number of snapshot files to retain (0 is unlimited).",
              [](ServerConfig& c, std::uint64_t v) {
                c.max_snapshots = v;
                return Status::ok();
              });
    uint_flag("max-wals", "Maximum number of wal files to retain (0 is unlimited).",
              [](ServerConfig& c, std::uint64_t v) {
                c.max_wals = v;
                return Status::ok();
              });
    f.push_back(bool_flag("strict-reconfig-check", "Reject reconfiguration requests that would cause quorum loss.",
                          [](ServerConfig& c) -> bool& { return c.strict_reconfig_check; }));
    f.push_back(bool_flag("force-new-cluster", "Force to create a new one member cluster.",
                          [](ServerConfig& c) -> bool& { return c.force_new_cluster; }));
    f.push_back(bool_flag("enable-ui", "Serve the built-in web dashboard at /ui/ on the client URLs.",
                          [](ServerConfig& c) -> bool& { return c.enable_ui; }));
    add_tls_flags(f);
    add_proxy_flags(f);
    add_discovery_flags(f);
    add_log_flags(f);
    // Accepted for compatibility with etcd command lines; they change nothing here because
    // coordd always serves v2 and has no v3 API.
    for (const char* n : {"enable-v2", "enable-pprof"})
      f.push_back({n, Kind::kBool, "Accepted for compatibility with etcd.",
                   [n](ServerConfig&, const std::string& v) { return parse_bool(n, v).status(); }});
    for (const char* n : {"quota-backend-bytes",
                          "auto-compaction-retention", "auto-compaction-mode",
                          "max-request-bytes", "grpc-keepalive-min-time"})
      f.push_back({n, Kind::kIgnored, "Accepted for compatibility with etcd.",
                   [](ServerConfig&, const std::string&) { return Status::ok(); }});
    // Not built yet: refuse loudly rather than run without what the user asked for.
    for (const char* n : {"wal-dir"})
      f.push_back({n, Kind::kUnsupported, "Not supported yet.",
                   [n](ServerConfig&, const std::string& v) -> Status {
                     if (v.empty() || v == "false" || v == "off") return Status::ok();
                     return Status::invalid_argument(std::string("-") + n + " is not supported by this coordd yet");
                   }});
    return f;
  }();
  return kFlags;
}

const Flag* find_flag(const std::string& name) {
  for (const auto& f : flags())
    if (name == f.name) return &f;
  return nullptr;
}

bool is_boolean(const Flag& f) { return f.kind == Kind::kBool || f.kind == Kind::kUnsupported; }

std::string env_name(const std::string& flag) {
  std::string out = "ETCD_";
  for (char c : flag) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

void apply_defaults(ServerConfig& c) {
  if (c.data_dir.empty()) c.data_dir = c.name + ".etcd";
  if (c.listen_client_urls.empty()) c.listen_client_urls = {*EndpointUrl::parse("http://127.0.0.1:2379", UrlRules::kListen)};
  if (c.advertise_client_urls.empty()) c.advertise_client_urls = {"http://localhost:2379"};
  if (c.listen_peer_urls.empty()) c.listen_peer_urls = {*EndpointUrl::parse("http://127.0.0.1:2380", UrlRules::kListen)};
  if (c.initial_advertise_peer_urls.empty()) c.initial_advertise_peer_urls = {"http://localhost:2380"};
  if (c.initial_cluster.empty()) {
    InitialMember self{c.name, c.initial_advertise_peer_urls};
    std::sort(self.peer_urls.begin(), self.peer_urls.end());
    c.initial_cluster.push_back(self);
  }
}

Status check_consistency(const ServerConfig& c) {
  auto it = std::find_if(c.initial_cluster.begin(), c.initial_cluster.end(),
                         [&](const auto& m) { return m.name == c.name; });
  if (it == c.initial_cluster.end())
    return Status::invalid_argument("couldn't find local name \"" + c.name +
                                    "\" in the initial cluster configuration");
  auto advertised = c.initial_advertise_peer_urls;
  std::sort(advertised.begin(), advertised.end());
  if (advertised != it->peer_urls)
    return Status::invalid_argument("--initial-cluster has " + c.name + "=" + it->peer_urls.front() +
                                    " but missing from --initial-advertise-peer-urls=" +
                                    c.initial_advertise_peer_urls.front());
  if (c.election_timeout < 5 * c.heartbeat_interval)
    return Status::invalid_argument("--election-timeout[" + std::to_string(c.election_timeout.count()) +
                                    "ms] should be at least as 5 times as --heartbeat-interval[" +
                                    std::to_string(c.heartbeat_interval.count()) + "ms]");
  return Status::ok();
}

bool any_https(const std::vector<EndpointUrl>& urls) {
  return std::any_of(urls.begin(), urls.end(), [](const EndpointUrl& u) { return u.is_tls(); });
}

// What etcd checks when it builds a TLS listener (pkg/transport/listener.go baseConfig).
Status check_tls_info(const TlsInfo& info) {
  if (info.cert_file.empty() || info.key_file.empty())
    return Status::invalid_argument("KeyFile and CertFile must both be present[key: " + info.key_file +
                                    ", cert: " + info.cert_file + "]");
  if (!info.allowed_cn.empty() && !info.allowed_hostname.empty())
    return Status::invalid_argument("AllowedCN and AllowedHostname are mutually exclusive (cn=\"" + info.allowed_cn +
                                    "\", hostname=\"" + info.allowed_hostname + "\")");
  return Status::ok();
}

// etcd's rules for https URLs, checked in etcd's order (peer listeners first). With --auto-tls
// and no certificate given, the certificate is made at start (main), so none is needed here.
Status check_tls(ServerConfig& c) {
  for (auto [auto_tls, info, what] : {std::tuple{&c.client_auto_tls, &c.client_tls, "client"},
                                      std::tuple{&c.peer_auto_tls, &c.peer_tls, "peer"}}) {
    if (*auto_tls && !info->empty()) {
      c.warnings.push_back(std::string("ignoring ") + what + " auto TLS since certs given");
      *auto_tls = false;
    }
  }
  for (const auto& u : c.listen_peer_urls) {
    if (!u.is_tls()) {
      if (!c.peer_tls.empty())
        c.warnings.push_back("scheme is HTTP while key and cert files are present; ignoring key and cert files (peer-url " +
                             u.text() + ")");
      if (c.peer_tls.client_cert_auth)
        c.warnings.push_back("scheme is HTTP while --peer-client-cert-auth is enabled; ignoring client cert auth for "
                             "this URL (peer-url " + u.text() + ")");
      continue;
    }
    if (c.peer_auto_tls) continue;
    if (c.peer_tls.empty())
      return Status::invalid_argument("cannot listen on TLS for " + u.authority() +
                                      ": KeyFile and CertFile are not presented");
    COORD_RETURN_IF_ERROR(check_tls_info(c.peer_tls));
  }
  for (const auto& u : c.listen_client_urls) {
    if (!u.is_tls()) {
      if (!c.client_tls.empty())
        c.warnings.push_back("scheme is HTTP while key and cert files are present; ignoring key and cert files "
                             "(client-url " + u.text() + ")");
      if (c.client_tls.client_cert_auth)
        c.warnings.push_back("scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for this "
                             "URL (client-url " + u.text() + ")");
      continue;
    }
    if (c.client_auto_tls) continue;
    if (c.client_tls.empty())
      return Status::invalid_argument("TLS key/cert (--cert-file, --key-file) must be provided for client url " + u.text() +
                                      " with HTTPS scheme");
    COORD_RETURN_IF_ERROR(check_tls_info(c.client_tls));
  }
  // As etcd, an https metrics URL serves with the client certificate.
  for (const auto& u : c.listen_metrics_urls)
    if (u.is_tls() && !c.client_auto_tls && c.client_tls.empty())
      return Status::invalid_argument("TLS key/cert (--cert-file, --key-file) must be provided for metrics url " + u.text() +
                                      " with HTTPS scheme");
  // A peer certificate is also what this member shows when it connects to https peers.
  if (!c.peer_tls.empty() && !any_https(c.listen_peer_urls)) COORD_RETURN_IF_ERROR(check_tls_info(c.peer_tls));
  return Status::ok();
}

}  // namespace

Result<ParseOutcome> parse(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  ParseOutcome out;
  ServerConfig& c = out.config;
  std::set<std::string> given;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help" || a == "-help") return ParseOutcome{ParseOutcome::Kind::kHelp, {}};
    if (a == "--version" || a == "-version") return ParseOutcome{ParseOutcome::Kind::kVersion, {}};
    if (a.size() < 2 || a[0] != '-') return Status::invalid_argument("'" + a + "' is not a valid flag");
    a = a.substr(a.rfind('-', 1) == 1 ? 2 : 1);
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    const Flag* f = find_flag(name);
    if (f == nullptr) return Status::invalid_argument("flag provided but not defined: -" + name);
    if (!has_value) {
      if (is_boolean(*f)) {
        value = "true";
      } else {
        if (i + 1 >= args.size()) return Status::invalid_argument("flag needs an argument: -" + name);
        value = args[++i];
      }
    }
    COORD_RETURN_IF_ERROR(f->set(c, value));
    given.insert(name);
  }
  for (const auto& kv : env) {
    if (kv.rfind("ETCD_", 0) != 0) continue;
    const auto eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
    const Flag* match = nullptr;
    for (const auto& f : flags())
      if (env_name(f.name) == key) match = &f;
    if (match == nullptr) {
      c.warnings.push_back("unrecognized environment variable " + kv);
      continue;
    }
    if (given.count(match->name))
      return Status::invalid_argument("conflicting environment variable \"" + key +
                                      "\" is shadowed by corresponding command-line flag (either unset "
                                      "environment variable or disable flag)");
    COORD_RETURN_IF_ERROR(match->set(c, value));
    given.insert(match->name);  // a variable counts as given, as in etcd (flags.SetFlagsFromEnv)
  }
  auto log_options = resolve_log_options(c.log_flags);
  if (!log_options) return log_options.status();
  c.log = *log_options;
  // As etcd: --discovery replaces the default --initial-cluster; both given is a conflict.
  if (!c.discovery.empty() && given.count("initial-cluster"))
    return Status::invalid_argument("multiple discovery or bootstrap flags are set. "
                                    "Choose one of \"initial-cluster\", \"discovery\" or \"discovery-srv\"");
  apply_defaults(c);
  // As etcd (PeerURLsMapAndToken): with discovery the URL is the cluster token, so member ids
  // differ from one token to the next.
  if (!c.discovery.empty()) c.initial_cluster_token = c.discovery;
  // A proxy is no member: its name need not be in --initial-cluster (etcd reads the list only
  // for the peer URLs to ask).
  if (c.proxy == ServerConfig::ProxyMode::kOff) COORD_RETURN_IF_ERROR(check_consistency(c));
  // etcd's v2 proxy ignores the flag; a proxy has no metrics of its own here, so say so.
  if (c.proxy != ServerConfig::ProxyMode::kOff && !c.listen_metrics_urls.empty())
    return Status::invalid_argument("--listen-metrics-urls is not served in proxy mode");
  COORD_RETURN_IF_ERROR(check_tls(c));
  return out;
}

std::string usage() {
  std::string u =
      "Usage: coordd [flags]\n"
      "Start a coordd member: an etcd v2 compatible coordination server.\n"
      "Every flag may be written -flag or --flag, and also set as ETCD_<FLAG> (upper case, '-' as '_').\n\n";
  for (const auto& f : flags()) {
    u += "  --" + std::string(f.name) + "\n      " + f.help + "\n";
  }
  return u;
}

std::uint64_t derive_member_id(std::vector<std::string> peer_urls, const std::string& token) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string b;
  for (const auto& u : peer_urls) b += u;
  b += token;
  return sha1_prefix64(b);
}

std::uint64_t derive_cluster_id(std::vector<std::uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string b;
  for (auto id : member_ids)
    for (int i = 7; i >= 0; --i) b.push_back(static_cast<char>((id >> (8 * i)) & 0xff));
  return sha1_prefix64(b);
}

std::map<std::string, std::uint64_t> ServerConfig::initial_member_ids() const {
  std::map<std::string, std::uint64_t> ids;
  for (const auto& m : initial_cluster) ids[m.name] = derive_member_id(m.peer_urls, initial_cluster_token);
  return ids;
}

std::uint64_t ServerConfig::member_id() const { return initial_member_ids().at(name); }

std::uint64_t ServerConfig::cluster_id() const {
  std::vector<std::uint64_t> ids;
  for (const auto& [name, id] : initial_member_ids()) ids.push_back(id);
  return derive_cluster_id(ids);
}

}  // namespace coord::config
