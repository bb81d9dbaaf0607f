// ServerConfig: everything coordd starts with, read from etcd's own flags and ETCD_* environment
// variables (etcd 3.4's v2 API). Parsing is pure (argv and environment are passed
// in), so it is unit-tested without starting anything. A plain value; thread-safe once built.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coord/endpoint_url.hpp"
#include "server/common/log.hpp"
#include "server/common/status.hpp"
#include "server/config/log_flags.hpp"

namespace coord::config {

// The TLS settings of one side (client or peer), as etcd's flags give them. Plain data: the
// files are read when the server starts (server/tls/context_source.hpp).
struct TlsInfo {
  std::string cert_file;         // --cert-file / --peer-cert-file (PEM, chain allowed)
  std::string key_file;          // --key-file / --peer-key-file
  std::string trusted_ca_file;   // --trusted-ca-file / --peer-trusted-ca-file (or the etcd 2 --ca-file)
  bool client_cert_auth = false; // --client-cert-auth / --peer-client-cert-auth
  std::string crl_file;          // --client-crl-file / --peer-crl-file: revoked serials are refused
  std::string allowed_cn;        // --peer-cert-allowed-cn: the client certificate's CN must equal it
  std::string allowed_hostname;  // --client-cert-allowed-hostname / --peer-cert-allowed-hostname
  bool self_signed = false;      // made by --auto-tls / --peer-auto-tls: peers skip verifying it

  // As etcd: TLS is configured when a certificate or a key is given.
  bool empty() const { return cert_file.empty() && key_file.empty(); }
  // As etcd: a trusted CA alone already makes the server require client certificates.
  bool requires_client_cert() const { return client_cert_auth || !trusted_ca_file.empty(); }
};

struct InitialMember {
  std::string name;
  std::vector<std::string> peer_urls;  // sorted, as etcd sorts them for id derivation
};

struct ServerConfig {
  std::string name = "default";
  std::string data_dir;  // default: <name>.etcd
  std::vector<EndpointUrl> listen_client_urls;  // UrlRules::kListen (coord/endpoint_url.hpp)
  std::vector<std::string> advertise_client_urls;
  // --listen-metrics-urls: more listeners serving only /metrics and /health (empty: none).
  std::vector<EndpointUrl> listen_metrics_urls;
  bool extensive_metrics = false;  // --metrics extensive (default basic): etcd's gRPC histograms, none here
  std::vector<EndpointUrl> listen_peer_urls;
  std::vector<std::string> initial_advertise_peer_urls;
  std::vector<InitialMember> initial_cluster;  // in flag order
  std::string initial_cluster_state = "new";
  std::string initial_cluster_token = "etcd-cluster";
  std::uint64_t snapshot_count = 10000;
  std::chrono::milliseconds heartbeat_interval{100};
  std::chrono::milliseconds election_timeout{1000};
  std::size_t max_snapshots = 5;
  std::size_t max_wals = 5;
  bool strict_reconfig_check = true;
  // --force-new-cluster: restart an existing member as a one-member cluster keeping its data.
  bool force_new_cluster = false;
  // --cors: "*" (any origin), or the origins allowed, as URLs with a lower-case scheme
  // (server/http/cors_policy.hpp).
  std::vector<std::string> cors = {"*"};
  // --enable-ui: serve the built-in dashboard at /ui/ on the client URLs (server/ui/).
  bool enable_ui = true;
  TlsInfo client_tls;
  TlsInfo peer_tls;
  bool client_auto_tls = false;  // --auto-tls: a self-signed certificate in <data-dir>/fixtures/client
  bool peer_auto_tls = false;    // --peer-auto-tls: the same in <data-dir>/fixtures/peer
  // --experimental-peer-skip-client-san-verification: peer client certificates need not name
  // the address they connect from (server/tls/client_san.hpp).
  bool peer_skip_client_san_verification = false;
  // --cipher-suites as OpenSSL names (validated from Go's names); empty: OpenSSL's defaults.
  std::vector<std::string> cipher_suites;
  // --logger, --log-level, --log-outputs, --debug, --log-package-levels as given, and the
  // logger's settings resolved from them (checked by parse(); files are opened by main).
  LogFlags log_flags;
  log::Options log;
  std::vector<std::string> warnings;  // things to log at startup (e.g. unknown ETCD_* variables)

  // Proxy mode (server/proxy/): with kOn or kReadonly coordd joins no cluster and forwards
  // client requests to the members of --initial-cluster (kReadonly: GET only).
  enum class ProxyMode { kOff, kOn, kReadonly };
  ProxyMode proxy = ProxyMode::kOff;
  std::chrono::milliseconds proxy_failure_wait{5000};      // a member that failed to dial is held out this long
  std::chrono::milliseconds proxy_refresh_interval{30000};  // how often the member list is fetched again
  std::chrono::milliseconds proxy_dial_timeout{1000};       // connecting to a member
  std::chrono::milliseconds proxy_write_timeout{5000};      // sending a request to a member (0: none)
  std::chrono::milliseconds proxy_read_timeout{0};          // each read of a member's answer (0: none)

  // Discovery bootstrap (server/discovery/): --discovery is a token URL on a v2 keys endpoint
  // whose members register there; with it, initial_cluster holds only this member until the
  // discovery service names the others, and the member id is derived with the URL as token.
  enum class DiscoveryFallback { kProxy, kExit };
  std::string discovery;                                         // --discovery (empty: not used)
  DiscoveryFallback discovery_fallback = DiscoveryFallback::kProxy;  // when the cluster is already full
  std::string discovery_proxy;                                   // --discovery-proxy: HTTP proxy to reach it

  // The member id of `name` in initial_cluster: SHA-1(sorted peer URLs + token), first 8 bytes.
  std::uint64_t member_id() const;
  // Ids of every initial member, and the cluster id derived from them, as etcd computes them.
  std::map<std::string, std::uint64_t> initial_member_ids() const;
  std::uint64_t cluster_id() const;
};

// What parsing decided: run with a config, or print something and exit (help/version).
struct ParseOutcome {
  enum class Kind { kRun, kHelp, kVersion } kind = Kind::kRun;
  ServerConfig config;
};

// Parses argv (argv[0] is skipped) and the environment (NAME=VALUE strings). Accepts -flag and
// --flag, "=value" or a separate value, bare booleans. Errors name the offending flag or
// variable the way etcd does (unknown flag, bad value, flag and ETCD_* variable both set).
Result<ParseOutcome> parse(const std::vector<std::string>& args, const std::vector<std::string>& env);

std::string usage();

// Parses an --initial-cluster value (name=peerURL,...; a name may repeat with more URLs), as the
// discovery service hands it back too. Peer URLs of a member come out sorted.
Result<std::vector<InitialMember>> parse_initial_cluster(const std::string& value);

// Member id of a member with these peer URLs (any order) in a cluster with this token.
std::uint64_t derive_member_id(std::vector<std::string> peer_urls, const std::string& token);
// Cluster id from every member id (any order).
std::uint64_t derive_cluster_id(std::vector<std::uint64_t> member_ids);

}  // namespace coord::config
