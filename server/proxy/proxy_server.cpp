#include "server/proxy/proxy_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include "server/common/check.hpp"
#include "server/common/log.hpp"
#include "server/http/http_server.hpp"
#include "server/proxy/cluster_file.hpp"
#include "server/proxy/endpoint_set.hpp"
#include "server/proxy/member_refresher.hpp"
#include "server/proxy/proxy_router.hpp"
#include "server/proxy/event_loops.hpp"

namespace coord::proxy {

namespace net = boost::asio;

namespace {

// How long one member-list fetch may take (etcd's proxy allows 10 s).
constexpr std::chrono::seconds kFetchTimeout{5};

int fail(const std::string& message) {
  COORD_LOG_FATAL(message);
  return 1;
}

Result<std::vector<http::ListenAddress>> listen_addresses(const std::vector<EndpointUrl>& urls) {
  std::vector<http::ListenAddress> out;
  for (const auto& url : urls) {
    if (url.is_tls()) return Status::invalid_argument("proxy mode listens on http URLs only: " + url.text());
    const auto endpoint = url.tcp_endpoint();
    // Invariant: listen URLs hold an IP address or localhost (UrlRules::kListen, checked by the parser).
    COORD_CHECK(endpoint.has_value(), "a listen URL without an IP address");
    out.push_back({*endpoint, nullptr});
  }
  return out;
}

// Whom to ask for the member list: the cluster file of an earlier run wins over the flags.
Result<std::vector<std::string>> initial_peer_urls(const config::ServerConfig& c) {
  auto recorded = read_cluster_file(c.data_dir);
  if (!recorded) return recorded.status();
  if (*recorded) {
    COORD_LOG_INFO("proxy: using the peer URLs recorded in " + cluster_file_path(c.data_dir));
    return **recorded;
  }
  std::vector<std::string> out;
  for (const auto& m : c.initial_cluster) out.insert(out.end(), m.peer_urls.begin(), m.peer_urls.end());
  return out;
}

}  // namespace

int run_proxy(const config::ServerConfig& c, std::shared_ptr<tls::ContextSource> peer_tls) {
  for (const auto& w : c.warnings) COORD_LOG_WARN(w);
  auto addresses = listen_addresses(c.listen_client_urls);
  if (!addresses) return fail(addresses.status().message());
  auto peer_urls = initial_peer_urls(c);
  if (!peer_urls) return fail("proxy: " + peer_urls.status().to_string());

  EndpointSet endpoints(c.proxy_failure_wait);
  MemberRefresher refresher(endpoints, *peer_urls, c.data_dir, c.proxy_refresh_interval, kFetchTimeout,
                            std::move(peer_tls));
  refresher.start();

  // One loop per core; the listeners run on the first, sessions on each in turn.
  EventLoops loops(std::thread::hardware_concurrency());
  loops.start();

  ProxyRouter router({loops, endpoints, c.proxy_dial_timeout, c.proxy_write_timeout, c.proxy_read_timeout},
                     c.proxy == config::ServerConfig::ProxyMode::kReadonly);
  http::SessionLimits limits;
  limits.cors = std::make_shared<const http::CorsPolicy>(c.cors);
  http::HttpServer server(loops.front().ioc, router, limits, loops.contexts());
  int exit_code = 0;
  if (auto s = server.start(*addresses); !s.is_ok()) {
    exit_code = fail(s.to_string());
  } else {
    const auto urls = endpoints.available_urls();
    std::string list;
    for (const auto& u : urls) list += (list.empty() ? "" : ",") + u;
    COORD_LOG_INFO(std::string("proxy (") + (c.proxy == config::ServerConfig::ProxyMode::kReadonly ? "readonly" : "on") +
                   ") serving clients, members: [" + list + "]");
    net::io_context control;
    net::signal_set signals(control, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { control.stop(); });
    control.run();
  }
  server.stop();
  refresher.stop();
  loops.stop();
  return exit_code;
}

}  // namespace coord::proxy
