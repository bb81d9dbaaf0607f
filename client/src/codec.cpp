#include "client/src/codec.hpp"

#include "coord/transport.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace coord::detail {
namespace json = boost::json;

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::uint64_t to_u64(const json::value& v) {
  if (v.is_uint64()) return v.as_uint64();
  if (v.is_int64()) return v.as_int64() < 0 ? 0 : static_cast<std::uint64_t>(v.as_int64());
  if (v.is_double()) return static_cast<std::uint64_t>(v.as_double());
  return 0;
}

Node parse_node(const json::object& o) {
  Node n;
  if (auto* v = o.if_contains("key"); v && v->is_string()) n.key = std::string(v->as_string());
  if (auto* v = o.if_contains("value"); v && v->is_string()) n.value = std::string(v->as_string());
  if (auto* v = o.if_contains("dir"); v && v->is_bool()) n.dir = v->as_bool();
  if (auto* v = o.if_contains("expiration"); v && v->is_string()) n.expiration = std::string(v->as_string());
  if (auto* v = o.if_contains("ttl"); v && v->is_number()) n.ttl = v->to_number<std::int64_t>();
  if (auto* v = o.if_contains("modifiedIndex")) n.modified_index = to_u64(*v);
  if (auto* v = o.if_contains("createdIndex")) n.created_index = to_u64(*v);
  if (auto* v = o.if_contains("nodes"); v && v->is_array()) {
    for (const auto& child : v->as_array()) {
      if (child.is_object()) n.nodes.push_back(parse_node(child.as_object()));
    }
  }
  return n;
}

std::optional<json::value> parse_json(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return std::nullopt;
  return v;
}

std::vector<std::string> strings(const json::object& o, const char* name) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(name); v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (s.is_string()) out.emplace_back(s.as_string());
    }
  }
  return out;
}

Member member_from(const json::object& o) {
  Member m;
  if (auto* v = o.if_contains("id"); v && v->is_string()) m.id = std::string(v->as_string());
  if (auto* v = o.if_contains("name"); v && v->is_string()) m.name = std::string(v->as_string());
  m.peer_urls = strings(o, "peerURLs");
  m.client_urls = strings(o, "clientURLs");
  return m;
}

[[noreturn]] void protocol_error(const std::string& what, const HttpResponse& http) {
  throw TransportError(TransportError::Kind::kProtocol,
                       what + " (HTTP " + std::to_string(http.status) + ": " + http.body.substr(0, 200) + ")");
}

}  // namespace

std::string percent_encode(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string keys_target(std::string_view key) {
  std::string target = "/v2/keys";
  if (key.empty() || key.front() != '/') target.push_back('/');
  target += percent_encode(key, true);
  return target;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += percent_encode(name, false);
    out.push_back('=');
    out += percent_encode(value, false);
  }
  return out;
}

std::string base64(std::string_view in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(table[(v >> k) & 63]);
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

std::uint64_t header_u64(const HttpResponse& http, const std::string& name) {
  const std::string& text = http.header(name);
  std::uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::optional<Error> parse_error(const HttpResponse& http) {
  auto v = parse_json(http.body);
  if (!v || !v->is_object()) return std::nullopt;
  const auto& o = v->as_object();
  auto* code = o.if_contains("errorCode");
  if (code == nullptr || !code->is_number()) return std::nullopt;
  std::string message, cause;
  std::uint64_t index = 0;
  if (auto* m = o.if_contains("message"); m && m->is_string()) message = std::string(m->as_string());
  if (auto* c = o.if_contains("cause"); c && c->is_string()) cause = std::string(c->as_string());
  if (auto* i = o.if_contains("index")) index = to_u64(*i);
  return Error(code->to_number<int>(), std::move(message), std::move(cause), index, http.status);
}

Response parse_keys_response(const HttpResponse& http) {
  if (http.status < 200 || http.status >= 300) {
    if (auto err = parse_error(http)) throw *err;
    protocol_error("not an etcd answer", http);
  }
  auto v = parse_json(http.body);
  if (!v || !v->is_object()) protocol_error("bad JSON in keys answer", http);
  const auto& o = v->as_object();
  Response r;
  if (auto* a = o.if_contains("action"); a && a->is_string()) r.action = std::string(a->as_string());
  if (r.action.empty()) protocol_error("keys answer without action", http);
  if (auto* n = o.if_contains("node"); n && n->is_object()) r.node = parse_node(n->as_object());
  if (auto* p = o.if_contains("prevNode"); p && p->is_object()) r.prev_node = parse_node(p->as_object());
  r.etcd_index = header_u64(http, "x-etcd-index");
  r.raft_index = header_u64(http, "x-raft-index");
  r.raft_term = header_u64(http, "x-raft-term");
  r.http_status = http.status;
  return r;
}

std::vector<Member> parse_members(std::string_view body) {
  auto v = parse_json(body);
  if (!v || !v->is_object()) throw TransportError(TransportError::Kind::kProtocol, "bad members JSON");
  std::vector<Member> out;
  if (auto* arr = v->as_object().if_contains("members"); arr && arr->is_array()) {
    for (const auto& m : arr->as_array()) {
      if (m.is_object()) out.push_back(member_from(m.as_object()));
    }
  }
  return out;
}

Member parse_member(std::string_view body) {
  auto v = parse_json(body);
  if (!v || !v->is_object()) throw TransportError(TransportError::Kind::kProtocol, "bad member JSON");
  return member_from(v->as_object());
}

Error members_error(const HttpResponse& http) {
  std::string message = http.body;
  if (auto v = parse_json(http.body); v && v->is_object()) {
    if (auto* m = v->as_object().if_contains("message"); m && m->is_string()) message = std::string(m->as_string());
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  return Error(0, message, "", 0, http.status);
}

}  // namespace coord::detail

namespace coord {

std::string basic_authorization(std::string_view username, std::string_view password) {
  std::string credentials(username);
  credentials += ':';
  credentials += password;
  return "Basic " + detail::base64(credentials);
}

}  // namespace coord
