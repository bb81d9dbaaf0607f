#include "server/discovery/keys_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <optional>

#include "coord/endpoint_url.hpp"
#include "server/http_client/one_shot_request.hpp"

namespace coord::discovery {

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

// The service's answer as discovery reads it: 5xx is "try again" (etcd's client moves on to
// another endpoint), anything but the keys API's JSON is a foreign endpoint.
Result<KeysAnswer> read_answer(const http_client::Answer& res, const std::string& what) {
  KeysAnswer answer;
  answer.http_status = res.status;
  const std::string index = res.header("X-Etcd-Index");
  std::from_chars(index.data(), index.data() + index.size(), answer.etcd_index);
  if (answer.http_status / 100 == 5) return Status::unavailable(what + ": status " + std::to_string(answer.http_status));
  if (!parse_keys_body(res.body, answer))
    return Status::corruption(what + ": status " + std::to_string(answer.http_status) + ", not a v2 keys API answer");
  return answer;
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

// The service or the proxy as the shared client speaks to it: an https one over TLS with
// `trust`, its certificate checked against the system's CAs and its host name.
http_client::Peer peer_of(const ServiceUrl& url, const std::shared_ptr<boost::asio::ssl::context>& trust) {
  http_client::Peer peer;
  peer.host = url.host;
  peer.port = url.port;
  if (url.tls) peer.tls = trust;
  return peer;
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
  const auto trust = service_.tls || (proxy_ && proxy_->tls) ? http_client::system_trust_context() : nullptr;
  const http_client::Peer service = peer_of(service_, trust);
  std::optional<http_client::Peer> proxy;
  if (proxy_) proxy = peer_of(*proxy_, trust);
  http_client::Request request;
  request.method = method;
  request.target = target;
  request.user_agent = "coordd-discovery";
  request.what = method + (service_.tls ? " https://" : " http://") + service_.authority() + target;
  if (!form_body.empty()) {
    request.content_type = "application/x-www-form-urlencoded";
    request.body = form_body;
  }
  http_client::Options options;
  options.timeout = timeout;
  options.body_limit = kMaxBodyBytes;
  options.proxy = proxy ? &*proxy : nullptr;
  auto answer = http_client::send_one_request(service, request, options);
  if (!answer) return answer.status();
  return read_answer(*answer, request.what);
}

}  // namespace coord::discovery
