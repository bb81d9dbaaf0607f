#include "server/discovery/keys_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <optional>

#include "coord/endpoint_url.hpp"

namespace coord::discovery {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace json = boost::json;

namespace {

// A directory of registrations is small; anything bigger is not a discovery service.
constexpr std::uint64_t kMaxBodyBytes = 4 << 20;

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string escape(const std::string& text, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::uint64_t index_of(const json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return 0;
}

bool read_node(const json::value& v, KeysNode& node, int depth) {
  if (!v.is_object() || depth > 4) return false;
  const auto& o = v.as_object();
  if (const auto* k = o.if_contains("key"); k && k->is_string()) node.key = k->as_string().c_str();
  if (const auto* x = o.if_contains("value"); x && x->is_string()) node.value = x->as_string().c_str();
  if (const auto* d = o.if_contains("dir"); d && d->is_bool()) node.dir = d->as_bool();
  node.created_index = index_of(o, "createdIndex");
  node.modified_index = index_of(o, "modifiedIndex");
  if (const auto* children = o.if_contains("nodes"); children && children->is_array()) {
    for (const auto& c : children->as_array()) {
      KeysNode child;
      if (!read_node(c, child, depth + 1)) return false;
      node.nodes.push_back(std::move(child));
    }
  }
  return true;
}

bhttp::request<bhttp::string_body> make_request(const std::string& method, const std::string& target,
                                                const std::string& host, const std::string& form_body) {
  bhttp::request<bhttp::string_body> req{method == "PUT" ? bhttp::verb::put : bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "coordd-discovery");
  req.set(bhttp::field::connection, "close");
  if (!form_body.empty()) {
    req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
    req.body() = form_body;
  }
  req.prepare_payload();
  return req;
}

// The service's answer as discovery reads it: 5xx is "try again" (etcd's client moves on to
// another endpoint), anything but the keys API's JSON is a foreign endpoint.
Result<KeysAnswer> read_answer(const bhttp::response<bhttp::string_body>& res, const std::string& what) {
  KeysAnswer answer;
  answer.http_status = static_cast<int>(res.result_int());
  if (auto it = res.find("X-Etcd-Index"); it != res.end()) {
    const auto v = it->value();
    std::from_chars(v.data(), v.data() + v.size(), answer.etcd_index);
  }
  if (answer.http_status / 100 == 5) return Status::unavailable(what + ": status " + std::to_string(answer.http_status));
  if (!parse_keys_body(res.body(), answer))
    return Status::corruption(what + ": status " + std::to_string(answer.http_status) + ", not a v2 keys API answer");
  return answer;
}

// Sets what a TLS client session must see of `host`: SNI carries names only; an address is
// checked against the certificate's IP SANs, a name against its DNS names.
template <class TlsStream>
void expect_host(TlsStream& tls, const std::string& host) {
  boost::system::error_code not_ip;
  net::ip::make_address(host, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());
  tls.set_verify_callback(net::ssl::host_name_verification(host));
}

// A discovery URL is a service URL, a discovery proxy an endpoint ("host:port" means http), as
// etcd reads --discovery-proxy (coord/endpoint_url.hpp).
Result<ServiceUrl> parse_http_url(const std::string& text, const UrlRules& rules, const char* what) {
  std::string why;
  const auto parsed = EndpointUrl::parse(text, rules, nullptr, &why);
  if (!parsed) return Status::invalid_argument(std::string(what) + " " + text + ": " + why);
  ServiceUrl u;
  u.tls = parsed->is_tls();
  u.host = parsed->hostname();
  u.port = parsed->port();
  u.path = parsed->path();
  while (u.path.size() > 1 && u.path.back() == '/') u.path.pop_back();
  if (u.path == "/") u.path.clear();
  return u;
}

}  // namespace

std::string escape_path(const std::string& text) { return escape(text, true); }
std::string escape_form(const std::string& text) { return escape(text, false); }

bool parse_keys_body(const std::string& body, KeysAnswer& answer) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  const auto& o = v.as_object();
  if (const auto* code = o.if_contains("errorCode")) {
    if (!code->is_int64() && !code->is_uint64()) return false;
    answer.error_code = static_cast<int>(code->is_int64() ? code->as_int64() : static_cast<std::int64_t>(code->as_uint64()));
    if (const auto* m = o.if_contains("message"); m && m->is_string()) answer.message = m->as_string().c_str();
    return answer.error_code != 0;
  }
  const auto* action = o.if_contains("action");
  const auto* node = o.if_contains("node");
  if (action == nullptr || !action->is_string() || node == nullptr) return false;
  answer.action = action->as_string().c_str();
  KeysNode n;
  if (!read_node(*node, n, 0)) return false;
  answer.node = std::move(n);
  return true;
}

std::string ServiceUrl::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ServiceUrl> ServiceUrl::parse(const std::string& text) {
  return parse_http_url(text, UrlRules::kService, "discovery URL");
}

Result<ServiceUrl> ServiceUrl::parse_proxy(const std::string& text) {
  return parse_http_url(text, UrlRules::kEndpoint, "discovery proxy");
}

KeysClient::KeysClient(ServiceUrl service, std::optional<ServiceUrl> proxy, std::chrono::milliseconds request_timeout,
                       std::chrono::milliseconds watch_timeout)
    : service_(std::move(service)), proxy_(std::move(proxy)), request_timeout_(request_timeout), watch_timeout_(watch_timeout) {}

Result<KeysAnswer> KeysClient::get(const std::string& key) {
  return exchange("GET", escape_path(key), {}, request_timeout_);
}

Result<KeysAnswer> KeysClient::create(const std::string& key, const std::string& value) {
  return exchange("PUT", escape_path(key) + "?prevExist=false", "value=" + escape_form(value), request_timeout_);
}

Result<KeysAnswer> KeysClient::watch(const std::string& key, std::uint64_t wait_index, bool recursive) {
  std::string target = escape_path(key) + "?wait=true&waitIndex=" + std::to_string(wait_index);
  if (recursive) target += "&recursive=true";
  return exchange("GET", target, {}, watch_timeout_);
}

Result<KeysAnswer> KeysClient::exchange(const std::string& method, const std::string& target, const std::string& form_body,
                                        std::chrono::milliseconds timeout) {
  const ServiceUrl& peer = proxy_ ? *proxy_ : service_;
  const bool proxy_tls = proxy_ && proxy_->tls;  // an https proxy: TLS with the proxy itself first
  const bool tunnel = proxy_ && service_.tls;    // https through a proxy: CONNECT, then TLS inside
  const std::string what = method + (service_.tls ? " https://" : " http://") + service_.authority() + target;
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  net::ssl::context tls_context(net::ssl::context::tls_client);
  // The TLS session over TCP (with the service, or with an https proxy), the service's session
  // inside an https proxy's, and the TCP connection: `lowest`, owned by outer_tls when there is
  // TLS, else by plain_stream (exactly one of the two is set).
  std::optional<net::ssl::stream<beast::tcp_stream>> outer_tls;
  std::optional<net::ssl::stream<net::ssl::stream<beast::tcp_stream>&>> inner_tls;
  std::optional<beast::tcp_stream> plain_stream;
  if (service_.tls || proxy_tls) {
    boost::system::error_code ignored;
    tls_context.set_default_verify_paths(ignored);
    tls_context.set_verify_mode(net::ssl::verify_peer);
    outer_tls.emplace(ioc, tls_context);
    expect_host(*outer_tls, proxy_tls ? proxy_->host : service_.host);
    if (proxy_tls && service_.tls) {
      inner_tls.emplace(*outer_tls, tls_context);
      expect_host(*inner_tls, service_.host);
    }
  } else {
    plain_stream.emplace(ioc);
  }
  beast::tcp_stream& lowest = outer_tls ? outer_tls->next_layer() : *plain_stream;
  net::steady_timer deadline(ioc);
  // Through a proxy an http target is absolute-form, as HTTP proxies expect it; in a tunnel the
  // request goes to the service itself.
  auto req = make_request(method, proxy_ && !tunnel ? "http://" + service_.authority() + target : target,
                          service_.authority(), form_body);
  bhttp::request<bhttp::empty_body> connect{bhttp::verb::connect, service_.authority(), 11};
  connect.set(bhttp::field::host, service_.authority());
  bhttp::response_parser<bhttp::empty_body> connected;
  connected.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts after its head
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  bool timed_out = false;
  std::string refused;  // the proxy's refusal of a tunnel
  std::string step = "resolve " + peer.host;
  // One deadline for every step: it closes the socket, which ends whatever step is pending.
  deadline.expires_after(timeout);
  deadline.async_wait([&](boost::system::error_code e) {
    if (e) return;
    timed_out = true;
    resolver.cancel();
    lowest.socket().close(e);
  });
  auto finish = [&](boost::system::error_code e) {
    ec = e;
    deadline.cancel();
  };
  auto talk = [&](auto& stream) {
    step = what;
    bhttp::async_write(stream, req, [&](boost::system::error_code e, std::size_t) {
      if (e) return finish(e);
      bhttp::async_read(stream, buffer, parser, [&](boost::system::error_code e2, std::size_t) { finish(e2); });
    });
  };
  // TLS with the service over `stream` (TCP, or a tunnel through the proxy), then the exchange.
  auto service_handshake = [&](auto& tls) {
    step = "TLS handshake with " + service_.authority();
    tls.async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code e) {
      if (e) return finish(e);
      talk(tls);
    });
  };
  // CONNECT through the proxy over `to_proxy` (TCP, or TLS with an https proxy), then TLS with
  // the service inside the tunnel.
  auto open_tunnel = [&](auto& to_proxy, auto& tls) {
    step = "CONNECT " + service_.authority() + " through " + peer.authority();
    bhttp::async_write(to_proxy, connect, [&](boost::system::error_code e, std::size_t) {
      if (e) return finish(e);
      bhttp::async_read_header(to_proxy, buffer, connected, [&](boost::system::error_code e2, std::size_t) {
        if (e2) return finish(e2);
        if (connected.get().result_int() / 100 != 2) {
          refused = "the proxy " + peer.authority() + " refused CONNECT " + service_.authority() + ": " +
                    std::to_string(connected.get().result_int()) + " " + std::string(connected.get().reason());
          return finish({});
        }
        // The TLS session reads the tunnel itself: bytes the proxy sent past its answer's
        // head, before our ClientHello, can only be a broken proxy.
        if (buffer.size() != 0) {
          refused = "the proxy " + peer.authority() + " sent data before the TLS handshake";
          return finish({});
        }
        service_handshake(tls);
      });
    });
  };
  // Once TCP is up: what goes over it, by service scheme and proxy scheme.
  auto connected_tcp = [&] {
    if (!proxy_) return service_.tls ? service_handshake(*outer_tls) : talk(lowest);
    if (!proxy_tls) return tunnel ? open_tunnel(lowest, *outer_tls) : talk(lowest);
    // An https proxy (as Go's HTTP client speaks to one): TLS with the proxy, its certificate and
    // host name checked as a service's, then the same as over TCP inside that session.
    step = "TLS handshake with the proxy " + peer.authority();
    outer_tls->async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code e) {
      if (e) return finish(e);
      if (tunnel) return open_tunnel(*outer_tls, *inner_tls);
      talk(*outer_tls);
    });
  };
  resolver.async_resolve(peer.host, std::to_string(peer.port), [&](boost::system::error_code e, net::ip::tcp::resolver::results_type r) {
    if (e) return finish(e);
    step = "connect " + peer.authority();
    lowest.async_connect(r, [&](boost::system::error_code e2, const net::ip::tcp::endpoint&) {
      if (e2) return finish(e2);
      connected_tcp();
    });
  });
  ioc.run();
  if (timed_out) return Status::timeout(step + ": no answer within " + std::to_string(timeout.count()) + " ms");
  if (ec == bhttp::error::body_limit) return Status::corruption(what + ": answer larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  if (ec) return Status::unavailable(step + ": " + ec.message());
  if (!refused.empty()) return Status::unavailable(refused);
  return read_answer(parser.get(), what);
}

}  // namespace coord::discovery
