// coordd: an etcd v2 compatible coordination server. Reads etcd's flags and ETCD_* variables,
// opens (or creates) the data directory, starts the member's raft loop, waits until the member
// is ready to serve (a leader is known and its attributes are published, as etcd does), then
// serves the client API until SIGTERM/SIGINT or a fatal error of the raft loop.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <thread>

#include "server/common/clock.hpp"
#include "server/common/file_posix.hpp"
#include "server/config/server_config.hpp"
#include "server/http/http_server.hpp"
#include "server/node/node.hpp"

extern char** environ;

namespace {

constexpr const char* kVersion = "3.4.23";

namespace net = boost::asio;

coord::Result<net::ip::tcp::endpoint> to_endpoint(const coord::config::Url& url) {
  std::string host = url.host;
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return coord::Status::invalid_argument("listen URL " + url.text + ": host must be an IP address or localhost");
  return net::ip::tcp::endpoint(address, url.port);
}

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
  o.snapshot_count = c.snapshot_count;
  o.snapshot_catch_up_entries = std::min<std::uint64_t>(5000, c.snapshot_count);
  o.max_snapshots = c.max_snapshots;
  o.max_wals = c.max_wals;
  o.tick_interval = c.heartbeat_interval;
  o.election_ticks = static_cast<int>(std::max<std::int64_t>(2, c.election_timeout / c.heartbeat_interval));
  o.request_timeout = std::chrono::milliseconds(5000) + 2 * c.election_timeout;
  return o;
}

int run(const coord::config::ServerConfig& config) {
  for (const auto& w : config.warnings) std::fprintf(stderr, "coordd: warning: %s\n", w.c_str());
  coord::http::HttpServerOptions http_options;
  for (const auto& url : config.listen_client_urls) {
    auto endpoint = to_endpoint(url);
    if (!endpoint) {
      std::fprintf(stderr, "coordd: %s\n", endpoint.status().message().c_str());
      return 1;
    }
    http_options.listen.push_back(*endpoint);
  }
  http_options.threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  http_options.limits.cors = !config.cors.empty();
  http_options.router.server_version = kVersion;
  http_options.router.name = config.name;

  coord::PosixFileSystem fs;
  coord::SystemClock clock;
  coord::node::Node node(node_options(config), fs, clock);
  if (auto s = node.start(); !s.is_ok()) {
    std::fprintf(stderr, "coordd: cannot start member %s: %s\n", config.name.c_str(), s.to_string().c_str());
    return 1;
  }

  // Signals and fatal raft-loop errors both end the wait below.
  net::io_context control;
  net::signal_set signals(control, SIGINT, SIGTERM);
  bool stopping = false;
  signals.async_wait([&](const boost::system::error_code&, int) {
    stopping = true;
    control.stop();
  });
  std::signal(SIGPIPE, SIG_IGN);
  net::steady_timer watchdog(control);
  std::unique_ptr<coord::http::HttpServer> http;
  int exit_code = 0;
  std::function<void()> check = [&] {
    if (node.failed()) {
      exit_code = 1;
      control.stop();
      return;
    }
    if (!http && node.wait_ready(std::chrono::milliseconds(0))) {
      http = std::make_unique<coord::http::HttpServer>(node, http_options);
      if (auto s = http->start(); !s.is_ok()) {
        std::fprintf(stderr, "coordd: %s\n", s.to_string().c_str());
        exit_code = 1;
        control.stop();
        return;
      }
      std::fprintf(stderr, "coordd: member %s (%016llx) serving clients\n", config.name.c_str(),
                   static_cast<unsigned long long>(config.member_id()));
    }
    watchdog.expires_after(std::chrono::milliseconds(http ? 200 : 5));
    watchdog.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) check();
    });
  };
  check();
  control.run();
  if (http) http->stop();
  node.stop();
  if (node.failed()) std::fprintf(stderr, "coordd: stopped after a fatal error: %s\n", node.failure().c_str());
  return stopping ? 0 : exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  auto parsed = coord::config::parse(args, env);
  if (!parsed) {
    std::fprintf(stderr, "coordd: %s\n", parsed.status().message().c_str());
    return 2;
  }
  switch (parsed->kind) {
    case coord::config::ParseOutcome::Kind::kHelp:
      std::cout << coord::config::usage();
      return 0;
    case coord::config::ParseOutcome::Kind::kVersion:
      std::cout << "coordd Version: " << kVersion << "\nAPI Version: 2\n";
      return 0;
    case coord::config::ParseOutcome::Kind::kRun:
      break;
  }
  return run(parsed->config);
}
