#include "server/discovery/bootstrap.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "server/discovery/discovery.hpp"
#include "server/discovery/keys_client.hpp"

namespace coord::discovery {

namespace {

// etcd's v2 client waits at most 5 s for an answer to a get or a create (DefaultRequestTimeout).
constexpr std::chrono::seconds kRequestTimeout{5};
// A watch that long without an event is asked again (etcd's client waits forever on a silent
// service, whose connection may be gone without a word).
constexpr std::chrono::seconds kWatchTimeout{60};

struct Session {
  std::unique_ptr<KeysClient> keys;
  std::unique_ptr<Discovery> discovery;
};

Result<Session> open(const config::ServerConfig& c, std::uint64_t self_id) {
  auto url = ServiceUrl::parse(c.discovery);
  if (!url) return url.status();
  if (url->path.empty()) return Status::invalid_argument("discovery URL " + c.discovery + ": no token path");
  std::optional<ServiceUrl> proxy;
  if (!c.discovery_proxy.empty()) {
    auto p = ServiceUrl::parse_proxy(c.discovery_proxy);
    if (!p) return Status::invalid_argument("invalid proxy address \"" + c.discovery_proxy + "\": " + p.status().message());
    proxy = *p;
  }
  Session s;
  s.keys = std::make_unique<KeysClient>(*url, proxy, kRequestTimeout, kWatchTimeout);
  DiscoveryOptions options;
  options.token_path = url->path;
  options.self_id = self_id;
  s.discovery = std::make_unique<Discovery>(*s.keys, options);
  return s;
}

}  // namespace

Status check_urls(const config::ServerConfig& c) { return open(c, 0).status(); }

std::string self_registration(const config::ServerConfig& c) {
  auto urls = c.initial_advertise_peer_urls;
  std::sort(urls.begin(), urls.end());
  std::string out;
  for (const auto& u : urls) out += (out.empty() ? "" : ",") + c.name + "=" + u;
  return out;
}

Result<std::string> join(const config::ServerConfig& c) {
  auto s = open(c, c.member_id());
  if (!s) return s.status();
  return s->discovery->join_cluster(self_registration(c));
}

Result<std::string> fetch(const config::ServerConfig& c) {
  auto s = open(c, 0);
  if (!s) return s.status();
  return s->discovery->get_cluster();
}

Status use_discovered_cluster(config::ServerConfig& c, const std::string& cluster) {
  auto members = config::parse_initial_cluster(cluster);
  if (!members) return members.status();
  std::set<std::string> urls;
  for (const auto& m : *members)
    for (const auto& u : m.peer_urls)
      if (!urls.insert(u).second) return Status::invalid_argument("discovery cluster " + cluster + " has duplicate url");
  auto self = std::find_if(members->begin(), members->end(), [&](const auto& m) { return m.name == c.name; });
  auto mine = c.initial_advertise_peer_urls;
  std::sort(mine.begin(), mine.end());
  if (self == members->end() || self->peer_urls != mine)
    return Status::invalid_argument("discovery cluster " + cluster + " does not hold this member (" + self_registration(c) + ")");
  c.initial_cluster = *members;
  return Status::ok();
}

}  // namespace coord::discovery
