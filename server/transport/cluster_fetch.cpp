#include "server/transport/cluster_fetch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "server/transport/peer_link.hpp"

namespace coord::transport {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace json = boost::json;

namespace {

std::vector<std::string> strings(const json::value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& s : v->as_array())
    if (s.is_string()) out.emplace_back(s.as_string().c_str());
  return out;
}

// Asks one peer for GET /members. Every step (connect, TLS handshake, request, answer) is
// asynchronous on one Beast stream whose single deadline, `timeout` from the start, covers them
// all: Beast's timeouts bound only asynchronous operations, so a blocking handshake or read
// would wait forever on a peer that accepts and then says nothing, hanging this member's start.
Result<ClusterInfo> fetch_one(const std::string& url, std::chrono::milliseconds timeout, tls::ContextSource* tls) {
  const auto endpoint = peer_endpoint(url);
  if (!endpoint) return Status::invalid_argument("bad peer URL (want http://IP:port): " + url);
  if (is_https(url) && tls == nullptr) return Status::invalid_argument("no TLS settings to reach " + url);
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/members", 11};
  req.set(bhttp::field::host, endpoint->address().to_string());
  bhttp::response<bhttp::string_body> res;
  beast::flat_buffer buffer;
  std::shared_ptr<PeerTlsConnection> connection;
  boost::system::error_code ec;
  std::string failed_step;
  auto failed = [&](std::string step, boost::system::error_code e) {
    if (!e) return false;
    failed_step = std::move(step);
    ec = e;
    return true;
  };
  auto exchange = [&](auto& s) {
    bhttp::async_write(s, req, [&](boost::system::error_code e, std::size_t) {
      if (failed("GET " + url + "/members", e)) return;
      bhttp::async_read(s, buffer, res, [&](boost::system::error_code e2, std::size_t) { failed("GET " + url + "/members", e2); });
    });
  };
  stream.async_connect(*endpoint, [&](boost::system::error_code e) {
    if (failed("connect " + url, e)) return;
    if (!is_https(url)) return exchange(stream);
    connection = make_peer_tls(*tls, stream, url);
    connection->stream.async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code e2) {
      if (failed("TLS handshake with " + url, e2)) return;
      exchange(connection->stream);
    });
  });
  ioc.run();
  if (ec == beast::error::timeout)
    return Status::unavailable(failed_step + ": no answer within " + std::to_string(timeout.count()) + " ms");
  if (ec) return Status::unavailable(failed_step + ": " + ec.message());
  if (res.result_int() != 200) return Status::unavailable("GET " + url + "/members: status " + std::to_string(res.result_int()));
  ClusterInfo info;
  const auto cid = res["X-Etcd-Cluster-Id"];
  info.cluster_id = std::strtoull(std::string(cid.data(), cid.size()).c_str(), nullptr, 16);
  json::value body = json::parse(res.body(), ec);
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
