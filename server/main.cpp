// coordd: an etcd v2 compatible coordination server. Reads etcd's flags and ETCD_* variables,
// opens (or creates) the data directory, starts the member's raft loop, waits until the member
// is ready to serve (a leader is known and its attributes are published, as etcd does), then
// serves the client API until SIGTERM/SIGINT or a fatal error of the raft loop.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include "server/common/check.hpp"
#include "server/common/clock.hpp"
#include "server/common/failpoint.hpp"
#include "server/common/file_posix.hpp"
#include "server/common/hex.hpp"
#include "server/common/log.hpp"
#include "server/common/version.hpp"
#include "server/config/server_config.hpp"
#include "server/discovery/bootstrap.hpp"
#include "server/discovery/cluster_record.hpp"
#include "server/http/connection_limit.hpp"
#include "server/http/http_server.hpp"
#include "server/http/router.hpp"
#include "server/node/durable_log.hpp"
#include "server/node/node.hpp"
#include "server/proxy/cluster_file.hpp"
#include "server/proxy/proxy_server.hpp"
#include "server/tls/context_source.hpp"
#include "server/tls/self_cert.hpp"
#include "server/transport/cluster_fetch.hpp"
#include "server/transport/peer_wire.hpp"
#include "server/transport/transport.hpp"

extern char** environ;

namespace {


namespace net = boost::asio;

coord::node::NodeOptions node_options(const coord::config::ServerConfig& c) {
  coord::node::NodeOptions o;
  o.member_id = c.member_id();
  o.cluster_id = c.cluster_id();
  o.name = c.name;
  o.data_dir = c.data_dir;
  o.client_urls = c.advertise_client_urls;
  const auto ids = c.initial_member_ids();
  for (const auto& m : c.initial_cluster) o.initial_members.push_back({ids.at(m.name), m.name, m.peer_urls});
  o.new_cluster = c.initial_cluster_state == "new";
  o.force_new_cluster = c.force_new_cluster;
  o.cluster_token = c.initial_cluster_token;
  o.strict_reconfig_check = c.strict_reconfig_check;
  o.snapshot_count = c.snapshot_count;
  o.snapshot_catch_up_entries = std::min<std::uint64_t>(5000, c.snapshot_count);
  o.max_snapshots = c.max_snapshots;
  // The real file system: a forked child's writes reach the disk (server/node/forked_save.hpp).
  o.snapshot_capture = coord::node::SnapshotCapture::kForked;
  o.max_wals = c.max_wals;
  o.tick_interval = c.heartbeat_interval;
  o.election_ticks = static_cast<int>(std::max<std::int64_t>(2, c.election_timeout / c.heartbeat_interval));
  o.request_timeout = std::chrono::milliseconds(5000) + 2 * c.election_timeout;
  return o;
}

// The addresses to listen on; https ones get `tls` (the server context of that side).
std::vector<coord::http::ListenAddress> addresses(const std::vector<coord::EndpointUrl>& urls,
                                                  const std::shared_ptr<coord::tls::ContextSource>& tls) {
  std::vector<coord::http::ListenAddress> out;
  for (const auto& url : urls) {
    const auto endpoint = url.tcp_endpoint();
    // Invariant: listen URLs hold an IP address or localhost (UrlRules::kListen, checked by the parser).
    COORD_CHECK(endpoint.has_value(), "a listen URL without an IP address");
    out.push_back({*endpoint, url.is_tls() ? tls : nullptr});
  }
  return out;
}

// A URL without its user information ("http://user:secret@host" → "http://host"): URLs are
// logged, passwords never.
std::string redacted_url(const std::string& url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto at = url.find('@', start);
  if (at == std::string::npos || url.find('/', start) < at) return url;
  return url.substr(0, start) + url.substr(at + 1);
}

std::string url_list(const std::vector<coord::EndpointUrl>& urls) {
  std::string out;
  for (const auto& u : urls) out += (out.empty() ? "" : ",") + redacted_url(u.text());
  return out;
}

std::string text_list(const std::vector<std::string>& urls) {
  std::string out;
  for (const auto& u : urls) out += (out.empty() ? "" : ",") + redacted_url(u);
  return out;
}

const char* signal_name(int signal_number) {
  return signal_number == SIGINT ? "interrupt" : signal_number == SIGTERM ? "terminated" : "signal";
}

// The configuration a member or proxy starts with, as etcd logs it at start ("starting an etcd
// server"). Paths and URLs only: no file is read here, and URLs lose their user information.
void log_configuration(const coord::config::ServerConfig& c) {
  using coord::log::Field;
  std::string cluster;
  for (const auto& m : c.initial_cluster)
    for (const auto& u : m.peer_urls) cluster += (cluster.empty() ? "" : ",") + m.name + "=" + redacted_url(u);
  const char* proxy = c.proxy == coord::config::ServerConfig::ProxyMode::kOff ? "off"
                      : c.proxy == coord::config::ServerConfig::ProxyMode::kOn ? "on" : "readonly";
  COORD_LOG_INFO("starting coordd", Field("coordd-version", coord::kServerVersion), Field("name", c.name),
                 Field("data-dir", c.data_dir), Field("proxy", proxy), Field("listen-client-urls", url_list(c.listen_client_urls)),
                 Field("advertise-client-urls", text_list(c.advertise_client_urls)),
                 Field("listen-peer-urls", url_list(c.listen_peer_urls)),
                 Field("initial-advertise-peer-urls", text_list(c.initial_advertise_peer_urls)),
                 Field("listen-metrics-urls", url_list(c.listen_metrics_urls)), Field("initial-cluster", cluster),
                 Field("initial-cluster-state", c.initial_cluster_state),
                 Field("initial-cluster-token", c.initial_cluster_token), Field("discovery", redacted_url(c.discovery)),
                 Field("discovery-proxy", redacted_url(c.discovery_proxy)),
                 coord::log::duration("heartbeat-interval", c.heartbeat_interval),
                 coord::log::duration("election-timeout", c.election_timeout), Field("snapshot-count", c.snapshot_count),
                 Field("max-snapshots", c.max_snapshots), Field("max-wals", c.max_wals),
                 Field("force-new-cluster", c.force_new_cluster), Field("strict-reconfig-check", c.strict_reconfig_check),
                 Field("client-cert-file", c.client_tls.cert_file), Field("client-auto-tls", c.client_auto_tls),
                 Field("client-cert-auth", c.client_tls.client_cert_auth), Field("peer-cert-file", c.peer_tls.cert_file),
                 Field("peer-auto-tls", c.peer_auto_tls), Field("peer-client-cert-auth", c.peer_tls.client_cert_auth),
                 Field("cors", text_list(c.cors)), Field("logger", c.log_flags.logger),
                 Field("log-level", coord::log::level_name(c.log.level)), Field("log-outputs", text_list(c.log.outputs)));
}

// The TLS contexts of one member, built at start from the flags (and --auto-tls certificates).
struct TlsContexts {
  std::shared_ptr<coord::tls::ContextSource> client_server;  // https client listeners (null: none)
  std::shared_ptr<coord::tls::ContextSource> peer_server;    // https peer listeners (null: none)
  std::shared_ptr<coord::tls::ContextSource> peer_client;    // this member's connections to https peers
};

std::vector<std::string> hosts(const std::vector<coord::EndpointUrl>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.hostname());
  return out;
}

bool any_https(const std::vector<coord::EndpointUrl>& urls) {
  return std::any_of(urls.begin(), urls.end(), [](const auto& u) { return u.is_tls(); });
}

coord::Result<TlsContexts> make_tls_contexts(const coord::config::ServerConfig& c) {
  using coord::tls::ContextSource;
  using coord::tls::Role;
  coord::config::TlsInfo client = c.client_tls, peer = c.peer_tls;
  // As etcd, an auto-TLS certificate replaces every other TLS setting of its side.
  if (c.client_auto_tls) {
    auto made = coord::tls::self_cert(c.data_dir + "/fixtures/client", hosts(c.listen_client_urls));
    if (!made) return made.status();
    client = *made;
  }
  if (c.peer_auto_tls) {
    auto made = coord::tls::self_cert(c.data_dir + "/fixtures/peer", hosts(c.listen_peer_urls));
    if (!made) return made.status();
    peer = *made;
  }
  TlsContexts out;
  if (any_https(c.listen_client_urls)) {
    auto s = ContextSource::create({client, Role::kServer, c.cipher_suites});
    if (!s) return s.status();
    out.client_server = *s;
  }
  if (any_https(c.listen_peer_urls)) {
    auto s = ContextSource::create({peer, Role::kServer, c.cipher_suites});
    if (!s) return s.status();
    out.peer_server = *s;
  }
  auto s = ContextSource::create({peer, Role::kClient, c.cipher_suites});
  if (!s) return s.status();
  out.peer_client = *s;
  return out;
}

// A member joining a running cluster (--initial-cluster-state existing) for the first time asks
// the other members for the cluster id and for its own id, assigned when it was added.
coord::Status join_existing(const coord::config::ServerConfig& config, coord::node::NodeOptions& options,
                            const std::shared_ptr<coord::tls::ContextSource>& tls) {
  std::vector<std::string> others;
  for (const auto& m : config.initial_cluster)
    if (m.name != config.name) others.insert(others.end(), m.peer_urls.begin(), m.peer_urls.end());
  auto info = coord::transport::fetch_cluster(others, std::chrono::seconds(5), tls.get());
  if (!info) return info.status();
  auto mine = config.initial_advertise_peer_urls;
  std::sort(mine.begin(), mine.end());
  options.initial_members.clear();
  bool found = false;
  for (auto m : info->members) {
    std::sort(m.peer_urls.begin(), m.peer_urls.end());
    if (m.peer_urls == mine) {
      options.member_id = m.id;
      found = true;
    }
    options.initial_members.push_back({m.id, m.name.empty() && m.peer_urls == mine ? config.name : m.name, m.peer_urls});
  }
  if (!found)
    return coord::Status::invalid_argument("this member's peer URLs are not in the cluster's member list: "
                                           "add it with the members API first");
  options.cluster_id = info->cluster_id;
  return coord::Status::ok();
}

// A proxy (--proxy on|readonly, or a member that fell back to one): with --discovery and no
// cluster file of an earlier run, the members are the discovery service's registrations.
int run_proxy_mode(coord::config::ServerConfig config) {
  if (!config.discovery.empty()) {
    auto recorded = coord::proxy::read_cluster_file(config.data_dir);
    if (recorded && !*recorded) {
      auto cluster = coord::discovery::fetch(config);
      if (!cluster) {
        COORD_LOG_ERROR("proxy: " + cluster.status().message());
        return 1;
      }
      auto members = coord::config::parse_initial_cluster(*cluster);
      if (!members) {
        COORD_LOG_ERROR("proxy: " + members.status().message());
        return 1;
      }
      config.initial_cluster = *members;
    } else if (recorded) {
      COORD_LOG_WARN("discovery token ignored since the proxy has already been initialized");
    }
  }
  // The member list is asked of the peer URLs, over TLS when they are https (peer TLS flags).
  auto tls = make_tls_contexts(config);
  if (!tls) {
    COORD_LOG_ERROR("proxy: " + tls.status().message());
    return 1;
  }
  return coord::proxy::run_proxy(config, tls->peer_client);
}

class Server {
 public:
  Server(const coord::config::ServerConfig& config, std::size_t open_files_limit)
      : config_(config), open_files_limit_(open_files_limit) {}

  // True when run() ended because discovery found the cluster full and --discovery-fallback is
  // proxy: the caller then starts this process as a proxy.
  bool fell_back_to_proxy() const { return fell_back_to_proxy_; }

  int run() {
    for (const auto& w : config_.warnings) COORD_LOG_WARN(w);
    auto tls = make_tls_contexts(config_);
    if (!tls) {
      COORD_LOG_FATAL(tls.status().message());
      return 1;
    }
    auto client_endpoints = addresses(config_.listen_client_urls, tls->client_server);
    auto peer_endpoints = addresses(config_.listen_peer_urls, tls->peer_server);
    auto metrics_endpoints = addresses(config_.listen_metrics_urls, tls->client_server);
    auto recorded = coord::node::DurableLog::recorded_identity(fs_, config_.data_dir);
    if (!recorded) return fatal("cannot read the data dir " + config_.data_dir + ": " + recorded.status().to_string());
    // A member with a data dir ignores discovery, as etcd does: its WAL says who it is.
    if (!*recorded && !config_.discovery.empty() && config_.initial_cluster_state == "new") {
      switch (join_by_discovery(tls->peer_client)) {
        case Joined::kMember: break;
        case Joined::kProxy: fell_back_to_proxy_ = true; return 0;
        case Joined::kFailed: return 1;
      }
    }
    if (*recorded) {
      // A member bootstrapped by discovery takes its first members' peer URLs from its record.
      auto discovered = coord::discovery::read_cluster_record(config_.data_dir);
      if (!discovered) return fatal(discovered.status().to_string());
      if (*discovered) {
        auto members = coord::config::parse_initial_cluster((*discovered)->initial_cluster);
        if (!members) return fatal(coord::discovery::cluster_record_path(config_.data_dir) + ": " + members.status().message());
        config_.initial_cluster = *members;
        config_.initial_cluster_token = (*discovered)->token;
      }
    }
    auto options = node_options(config_);
    if (*recorded) {
      // A restart: the WAL says who this member is; the initial-cluster flags no longer count.
      options.member_id = (*recorded)->first;
      options.cluster_id = (*recorded)->second;
    } else if (config_.initial_cluster_state == "existing") {
      if (auto s = join_existing(config_, options, tls->peer_client); !s.is_ok()) return fatal("cannot join the cluster: " + s.to_string());
    }
    COORD_LOG_INFO(*recorded ? "restarting local member" : "starting local member",
                   coord::log::id("local-member-id", options.member_id), coord::log::id("cluster-id", options.cluster_id),
                   {"name", config_.name});
    start_io_threads();
    node_ = std::make_unique<coord::node::Node>(options, fs_, clock_);
    transport_ = std::make_unique<coord::transport::Transport>(ioc_, options.member_id, tls->peer_client);
    transport_->attach(*node_);
    transport_->keep_snapshots_in({&fs_, coord::node::DurableLog::snapshot_dir(config_.data_dir)});
    // Clients may hold all descriptors but a reserve, which the WAL, snapshots, outgoing peer
    // connections and (half of it, in a limit of their own) incoming peer connections need;
    // connections beyond a limit wait in the listen backlog.
    using coord::http::ConnectionLimit;
    coord::http::SessionLimits peer_limits;
    peer_limits.connections = std::make_shared<ConnectionLimit>(ConnectionLimit::max_peer_connections_for(open_files_limit_));
    peer_limits.body_limit = coord::transport::kMaxPeerBodyBytes;
    peer_limits.cors = nullptr;
    peer_limits.read_timeout = std::chrono::seconds(300);
    peer_limits.tls_check_client_san = !config_.peer_skip_client_san_verification;
    peer_limits.head_first = true;  // Transport::check_head sees each head before its body is read
    peer_server_ = std::make_unique<coord::http::HttpServer>(ioc_, *transport_, peer_limits);
    if (auto s = peer_server_->start(peer_endpoints); !s.is_ok()) return fatal(s.to_string());
    if (auto s = node_->start(transport_.get()); !s.is_ok())
      return fatal("cannot start member " + config_.name + ": " + s.to_string());

    coord::http::RouterOptions router_options;
    router_options.server_version = std::string(coord::kServerVersion);
    router_options.name = config_.name;
    router_options.client_cert_auth = config_.client_tls.client_cert_auth;
    router_options.enable_ui = config_.enable_ui;
    router_ = std::make_unique<coord::http::Router>(*node_, router_options);
    coord::http::SessionLimits client_limits;
    client_limits.cors = std::make_shared<const coord::http::CorsPolicy>(config_.cors);
    client_limits.connections = std::make_shared<ConnectionLimit>(ConnectionLimit::max_connections_for(open_files_limit_));
    client_server_ = std::make_unique<coord::http::HttpServer>(ioc_, *router_, client_limits);
    if (!metrics_endpoints.empty()) {
      // /metrics and /health only, served from the start (health says false until a leader is
      // known), without CORS, as etcd's metrics listener.
      auto metrics_limits = client_limits;
      metrics_limits.cors = nullptr;
      metrics_server_ = std::make_unique<coord::http::HttpServer>(ioc_, router_->metrics_handler(), metrics_limits);
      if (auto s = metrics_server_->start(metrics_endpoints); !s.is_ok()) return fatal(s.to_string());
    }
    return wait(client_endpoints);
  }

  ~Server() { shutdown(); }

 private:
  enum class Joined { kMember, kProxy, kFailed };

  // A new member with --discovery registers, waits for the others and takes the cluster they
  // form as its initial cluster; kProxy when the cluster is full and the fallback is proxy.
  Joined join_by_discovery(const std::shared_ptr<coord::tls::ContextSource>& tls) {
    using coord::config::ServerConfig;
    // A process that fell back to a proxy before has its cluster file and no WAL: a proxy again.
    if (auto file = coord::proxy::read_cluster_file(config_.data_dir); file && *file) return Joined::kProxy;
    if (auto s = coord::discovery::check_urls(config_); !s.is_ok()) {
      COORD_LOG_FATAL(s.message());
      return Joined::kFailed;
    }
    COORD_LOG_INFO("discovery: registering member", {"name", config_.name}, coord::log::id("member-id", config_.member_id()),
                   {"discovery", redacted_url(config_.discovery)});
    auto cluster = coord::discovery::join(config_);
    if (!cluster) {
      const auto& s = cluster.status();
      if (s.code() == coord::StatusCode::kFailedPrecondition &&
          config_.discovery_fallback == ServerConfig::DiscoveryFallback::kProxy) {
        COORD_LOG_WARN("discovery cluster full, falling back to proxy");
        return Joined::kProxy;
      }
      report_join_failure(s);
      return Joined::kFailed;
    }
    if (auto s = coord::discovery::use_discovered_cluster(config_, *cluster); !s.is_ok()) {
      COORD_LOG_FATAL(s.message());
      return Joined::kFailed;
    }
    if (already_bootstrapped(tls)) {
      COORD_LOG_FATAL("member has already been bootstrapped", coord::log::id("member-id", config_.member_id()));
      return Joined::kFailed;
    }
    if (auto s = coord::discovery::write_cluster_record(config_.data_dir, {*cluster, config_.discovery}); !s.is_ok()) {
      COORD_LOG_FATAL(s.to_string());
      return Joined::kFailed;
    }
    COORD_LOG_INFO("discovery: initial cluster", {"initial-cluster", *cluster});
    return Joined::kMember;
  }

  // etcd's words for each way joining can fail (etcdmain/etcd.go).
  void report_join_failure(const coord::Status& s) const {
    COORD_LOG_FATAL("failed to join discovery cluster (" + s.message() + ")");
    const std::string token = redacted_url(config_.discovery);
    if (s.code() == coord::StatusCode::kAlreadyExists) {
      COORD_LOG_FATAL("member \"" + config_.name + "\" has previously registered with discovery service token (" + token + ").");
      COORD_LOG_FATAL("But coordd could not find valid cluster configuration in the given data dir (" + config_.data_dir + ").");
    } else if (s.message() == "discovery: found duplicate name") {
      COORD_LOG_FATAL("member with duplicated name has registered with discovery service token(" + token + ").");
    } else {
      COORD_LOG_FATAL("discovery token " + token + " was used, but failed to bootstrap the cluster.");
      COORD_LOG_FATAL("please generate a new discovery token and try to bootstrap again.");
    }
  }

  // A member that registered, ran, and lost its data dir must not start over as new: it could
  // vote twice in a term. The others know it then, with the client URLs it published.
  bool already_bootstrapped(const std::shared_ptr<coord::tls::ContextSource>& tls) const {
    std::vector<std::string> others;
    for (const auto& m : config_.initial_cluster)
      if (m.name != config_.name) others.insert(others.end(), m.peer_urls.begin(), m.peer_urls.end());
    auto running = coord::transport::fetch_cluster(others, std::chrono::seconds(1), tls.get());
    if (!running) return false;  // nobody runs yet: this member cannot have voted
    for (const auto& m : running->members)
      if (m.id == config_.member_id() && !m.client_urls.empty()) return true;
    return false;
  }

  int fatal(const std::string& message) {
    COORD_LOG_FATAL(message);
    shutdown();
    return 1;
  }

  void start_io_threads() {
    const int n = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
    work_.emplace(net::make_work_guard(ioc_));
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  // Serves clients once the member is ready, until a signal or a fatal raft-loop error.
  int wait(const std::vector<coord::http::ListenAddress>& client_endpoints) {
    net::io_context control;
    net::signal_set signals(control, SIGINT, SIGTERM);
    bool signalled = false;
    int signal_number = 0;
    signals.async_wait([&](const boost::system::error_code&, int number) {
      signalled = true;
      signal_number = number;
      control.stop();
    });
    net::steady_timer timer(control);
    int exit_code = 0;
    bool serving = false;
    std::function<void()> check = [&] {
      if (node_->failed()) {
        exit_code = 1;
        return control.stop();
      }
      if (!serving && node_->wait_ready(std::chrono::milliseconds(0))) {
        if (auto s = client_server_->start(client_endpoints); !s.is_ok()) {
          COORD_LOG_FATAL(s.to_string());
          exit_code = 1;
          return control.stop();
        }
        serving = true;
        COORD_LOG_INFO("member " + config_.name + " (" + coord::to_hex(node_->member_id()) + ") serving clients",
                       coord::log::id("local-member-id", node_->member_id()), {"listen-client-urls", url_list(config_.listen_client_urls)});
      }
      timer.expires_after(std::chrono::milliseconds(serving ? 200 : 5));
      timer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) check();
      });
    };
    check();
    control.run();
    if (signalled) {
      COORD_LOG_INFO("received signal; shutting down", {"signal", signal_name(signal_number)});
      node_->transfer_leadership_before_stop(std::chrono::seconds(2));
    }
    if (node_->failed()) COORD_LOG_FATAL("stopped: " + node_->failure());
    COORD_LOG_INFO("stopped serving", coord::log::id("local-member-id", node_->member_id()),
                   {"reason", node_->failed() ? "fatal error" : signalled ? "signal" : "error"});
    shutdown();
    return signalled ? 0 : exit_code;
  }

  void shutdown() {
    if (metrics_server_) metrics_server_->stop();
    if (client_server_) client_server_->stop();
    if (peer_server_) peer_server_->stop();
    if (node_) node_->stop();
    if (transport_) transport_->stop();
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

  coord::config::ServerConfig config_;  // a copy: discovery fills in the initial cluster
  const std::size_t open_files_limit_;
  bool fell_back_to_proxy_ = false;
  coord::PosixFileSystem fs_;
  coord::SystemClock clock_;
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::unique_ptr<coord::node::Node> node_;
  std::unique_ptr<coord::transport::Transport> transport_;
  std::unique_ptr<coord::http::HttpServer> peer_server_;
  std::unique_ptr<coord::http::Router> router_;
  std::unique_ptr<coord::http::HttpServer> client_server_;
  std::unique_ptr<coord::http::HttpServer> metrics_server_;  // --listen-metrics-urls, if any
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  auto parsed = coord::config::parse(args, env);
  if (!parsed) {
    COORD_LOG_FATAL(parsed.status().message());
    return 2;
  }
  switch (parsed->kind) {
    case coord::config::ParseOutcome::Kind::kHelp:
      std::cout << coord::config::usage();
      return 0;
    case coord::config::ParseOutcome::Kind::kVersion:
      std::cout << "coordd Version: " << coord::kServerVersion << "\nAPI Version: 2\n";
      return 0;
    case coord::config::ParseOutcome::Kind::kRun:
      break;
  }
  if (auto s = coord::log::configure(parsed->config.log); !s) {
    COORD_LOG_FATAL("error verifying flags, " + s.message());
    return 2;
  }
  log_configuration(parsed->config);
  if (auto s = coord::failpoint::configure_from_environment(); !s) {
    COORD_LOG_FATAL(s.message());
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // Many idle watchers each hold a descriptor: allow as many as the hard limit permits.
  const std::size_t open_files_limit = coord::http::raise_open_files_limit();
  auto config = parsed->config;
  if (config.proxy != coord::config::ServerConfig::ProxyMode::kOff) return run_proxy_mode(config);
  int exit_code = 0;
  {
    Server server(config, open_files_limit);
    exit_code = server.run();
    if (!server.fell_back_to_proxy()) return exit_code;
  }
  config.proxy = coord::config::ServerConfig::ProxyMode::kOn;
  return run_proxy_mode(config);
}
