#include "server/transport/cluster_fetch.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "coord/endpoint_url.hpp"
#include "server/http_client/one_shot_request.hpp"
#include "server/transport/peer_link.hpp"

namespace coord::transport {

namespace json = boost::json;

namespace {

// A member list is a few hundred bytes a member; anything bigger is not a cluster's answer.
constexpr std::uint64_t kMaxBodyBytes = 8 << 20;

std::vector<std::string> strings(const json::value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& s : v->as_array())
    if (s.is_string()) out.emplace_back(s.as_string().c_str());
  return out;
}

// Asks one peer for GET /members, through the server's one HTTP client
// (server/http_client/one_shot_request.hpp): its single deadline covers connect, TLS handshake,
// request and answer, so a peer that accepts and then says nothing cannot hang this member's start.
Result<ClusterInfo> fetch_one(const std::string& url, std::chrono::milliseconds timeout, tls::ContextSource* tls) {
  const auto endpoint = peer_endpoint(url);
  if (!endpoint) return Status::invalid_argument("bad peer URL (want http://IP:port): " + url);
  if (is_https(url) && tls == nullptr) return Status::invalid_argument("no TLS settings to reach " + url);
  http_client::Peer peer;
  peer.host = endpoint->address().to_string();  // an IP: resolving it asks no name service
  peer.port = endpoint->port();
  peer.name = url;
  if (is_https(url)) {
    // The certificate must name the URL's host (a name or an IP), as on the peers' links
    // (peer_link.hpp), unless the context skips verification (--peer-auto-tls).
    peer.host = EndpointUrl::parse(url, UrlRules::kAdvertise)->hostname();
    peer.tls = tls->current();
    peer.verify_host = tls->verifies_server();
  }
  http_client::Request request;
  request.target = "/members";
  request.what = "GET " + url + "/members";
  http_client::Options options;
  options.timeout = timeout;
  options.body_limit = kMaxBodyBytes;
  auto res = http_client::send_one_request(peer, request, options);
  // Every failure to get an answer is "ask the next peer" to the caller.
  if (!res) return Status::unavailable(res.status().message());
  if (res->status != 200) return Status::unavailable("GET " + url + "/members: status " + std::to_string(res->status));
  ClusterInfo info;
  info.cluster_id = std::strtoull(res->header("X-Etcd-Cluster-Id").c_str(), nullptr, 16);
  boost::system::error_code ec;
  json::value body = json::parse(res->body, ec);
  // coordd answers {"members":[...]} with hex string ids; etcd a bare array with numeric ids.
  const json::value* list = &body;
  if (!ec && body.is_object()) list = body.as_object().if_contains("members");
  if (ec || list == nullptr || !list->is_array())
    return Status::corruption("GET " + url + "/members: not a member list");
  for (const auto& m : list->as_array()) {
    if (!m.is_object()) continue;
    const auto& o = m.as_object();
    store::Member member;
    if (const auto* id = o.if_contains("id"); id && id->is_string())
      member.id = std::strtoull(id->as_string().c_str(), nullptr, 16);
    else if (id && id->is_uint64())
      member.id = id->as_uint64();
    else if (id && id->is_int64())
      member.id = static_cast<std::uint64_t>(id->as_int64());
    if (const auto* name = o.if_contains("name"); name && name->is_string()) member.name = name->as_string().c_str();
    member.peer_urls = strings(o.if_contains("peerURLs"));
    member.client_urls = strings(o.if_contains("clientURLs"));
    info.members.push_back(std::move(member));
  }
  return info;
}

}  // namespace

Result<ClusterInfo> fetch_cluster(const std::vector<std::string>& peer_urls, std::chrono::milliseconds timeout,
                                  tls::ContextSource* tls) {
  Status last = Status::unavailable("no peer URL to ask");
  for (const auto& url : peer_urls) {
    auto info = fetch_one(url, timeout, tls);
    if (info) return info;
    last = info.status();
  }
  return last;
}

}  // namespace coord::transport
