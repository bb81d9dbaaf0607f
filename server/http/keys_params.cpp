#include "server/http/keys_params.hpp"

#include <limits>

#include "server/store/event.hpp"

namespace coord::http {
namespace {

constexpr std::string_view kKeysPrefix = "/v2/keys";

store::V2Error parse_error(int code, std::string cause) {
  return store::V2Error{code, std::move(cause), 0};
}

// etcd's getBool: absent → false; present → ParseBool of the first value.
bool read_bool(const FormValues& form, std::string_view name, bool& out) {
  const std::string* v = form.first(name);
  if (v == nullptr) { out = false; return true; }
  const std::optional<bool> b = parse_go_bool(*v);
  if (!b) return false;
  out = *b;
  return true;
}

// etcd's getUint64: absent → 0; present → ParseUint of the first value.
bool read_uint(const FormValues& form, std::string_view name, std::uint64_t& out) {
  const std::string* v = form.first(name);
  if (v == nullptr) { out = 0; return true; }
  const std::optional<std::uint64_t> u = parse_go_uint(*v);
  if (!u) return false;
  out = *u;
  return true;
}

std::string invalid_value(std::string_view name) {
  return "invalid value for \"" + std::string(name) + "\"";
}

// Checks 3 to 6 of etcd 3.4's v2 API: the plain booleans, wait on a non-GET, empty prevValue and
// noValueOnSuccess.
std::optional<store::V2Error> parse_flags(KeysMethod method, const FormValues& form,
                                          KeysParams& p) {
  const std::pair<std::string_view, bool*> flags[] = {
      {"recursive", &p.recursive}, {"sorted", &p.sorted}, {"wait", &p.wait},
      {"dir", &p.dir},             {"quorum", &p.quorum}, {"stream", &p.stream},
  };
  for (const auto& [name, field] : flags) {
    if (!read_bool(form, name, *field)) return parse_error(store::kEcodeInvalidField, invalid_value(name));
  }
  if (p.wait && method != KeysMethod::kGet) {
    return parse_error(store::kEcodeInvalidField, "\"wait\" can only be used with GET requests");
  }
  if (const std::string* pv = form.first("prevValue")) {
    if (pv->empty()) return parse_error(store::kEcodePrevValueRequired, "\"prevValue\" cannot be empty");
    p.prev_value = *pv;
  }
  if (!read_bool(form, "noValueOnSuccess", p.no_value_on_success)) {
    return parse_error(store::kEcodeInvalidField, invalid_value("noValueOnSuccess"));
  }
  return std::nullopt;
}

// Checks 7 to 11: ttl, prevExist, refresh and refresh's companions.
std::optional<store::V2Error> parse_ttl_and_conditions(const FormValues& form, KeysParams& p) {
  p.ttl_given = form.has("ttl");
  if (!form.value("ttl").empty()) {
    std::uint64_t ttl = 0;
    if (!read_uint(form, "ttl", ttl)) return parse_error(store::kEcodeTTLNaN, invalid_value("ttl"));
    p.ttl = ttl;
  }
  if (const std::string* pe = form.first("prevExist")) {
    const std::optional<bool> b = parse_go_bool(*pe);
    if (!b) return parse_error(store::kEcodeInvalidField, "invalid value for prevExist");
    p.prev_exist = *b;
  }
  if (const std::string* rf = form.first("refresh")) {
    const std::optional<bool> b = parse_go_bool(*rf);
    if (!b) return parse_error(store::kEcodeInvalidField, "invalid value for refresh");
    p.refresh = *b;
    if (*b && !form.value("value").empty()) {
      return parse_error(store::kEcodeRefreshValue, "A value was provided on a refresh");
    }
    if (*b && !p.ttl) return parse_error(store::kEcodeRefreshTTLRequired, "No TTL value set");
  }
  return std::nullopt;
}

}  // namespace

std::optional<KeysMethod> keys_method_from_string(std::string_view method) {
  if (method == "GET") return KeysMethod::kGet;
  if (method == "HEAD") return KeysMethod::kHead;
  if (method == "PUT") return KeysMethod::kPut;
  if (method == "POST") return KeysMethod::kPost;
  if (method == "DELETE") return KeysMethod::kDelete;
  return std::nullopt;
}

std::string_view keys_method_name(KeysMethod method) {
  switch (method) {
    case KeysMethod::kGet: return "GET";
    case KeysMethod::kHead: return "HEAD";
    case KeysMethod::kPut: return "PUT";
    case KeysMethod::kPost: return "POST";
    case KeysMethod::kDelete: return "DELETE";
  }
  return "GET";
}

std::optional<std::string> keys_key_from_path(std::string_view decoded_path) {
  if (decoded_path.substr(0, kKeysPrefix.size()) != kKeysPrefix) return std::nullopt;
  std::string_view rest = decoded_path.substr(kKeysPrefix.size());
  if (!rest.empty() && rest.front() != '/') return std::nullopt;
  // etcd joins the rest onto its internal prefix, which cleans it and drops a trailing slash.
  if (rest.empty()) return std::string("/");
  return path_clean(rest);
}

namespace {

// parse_keys_params without its last step, setting `value`.
V2Result<KeysParams> parse_keys_params_but_value(KeysMethod method, std::string_view key, const FormValues& form) {
  KeysParams p;
  p.method = method;
  if (!key.empty() && key.front() == '/') {
    p.key = path_clean(key);
  } else {
    std::string rooted(1, '/');
    rooted.append(key);
    p.key = path_clean(rooted);
  }
  if (!read_uint(form, "prevIndex", p.prev_index)) {
    return parse_error(store::kEcodeIndexNaN, invalid_value("prevIndex"));
  }
  if (!read_uint(form, "waitIndex", p.wait_index)) {
    return parse_error(store::kEcodeIndexNaN, invalid_value("waitIndex"));
  }
  if (auto e = parse_flags(method, form, p)) return *std::move(e);
  if (auto e = parse_ttl_and_conditions(form, p)) return *std::move(e);
  return p;
}

}  // namespace

V2Result<KeysParams> parse_keys_params(KeysMethod method, std::string_view key,
                                       const FormValues& form) {
  auto p = parse_keys_params_but_value(method, key, form);
  if (p.ok()) p.value().value = std::string(form.value("value"));
  return p;
}

V2Result<KeysParams> parse_keys_request(KeysMethod method, std::string_view decoded_path,
                                        std::string_view content_type, std::string_view body,
                                        std::string_view raw_query) {
  const std::optional<std::string> key = keys_key_from_path(decoded_path);
  COORD_CHECK(key.has_value(), "parse_keys_request on a path outside /v2/keys");
  FormValues form;
  if (auto e = parse_form(keys_method_name(method), content_type, body, raw_query, form)) {
    return *std::move(e);
  }
  auto p = parse_keys_params_but_value(method, *key, form);
  if (p.ok()) p.value().value = form.take_first("value");  // moved, not copied
  return p;
}

KeysOp classify(const KeysParams& params) {
  switch (params.method) {
    case KeysMethod::kGet:
      if (params.quorum) return KeysOp::kQuorumGet;  // wait=true&quorum=true is a plain get
      return params.wait ? KeysOp::kWatch : KeysOp::kGet;
    case KeysMethod::kHead:
      return KeysOp::kGet;  // etcd serves HEAD locally even with quorum=true
    case KeysMethod::kPut:
    case KeysMethod::kPost:
    case KeysMethod::kDelete:
      return KeysOp::kWrite;
  }
  return KeysOp::kGet;
}

UnixNanos expiration_after(UnixNanos now, std::uint64_t ttl_seconds) {
  if (now >= kMaxExpiration) return kMaxExpiration;
  // Unsigned arithmetic: exact for every `now` below the cap, negative ones included.
  const std::uint64_t headroom =
      static_cast<std::uint64_t>(kMaxExpiration) - static_cast<std::uint64_t>(now);
  const auto nanos_per_second = static_cast<std::uint64_t>(kNanosPerSecond);
  if (ttl_seconds > headroom / nanos_per_second) return kMaxExpiration;
  return static_cast<UnixNanos>(static_cast<std::uint64_t>(now) + ttl_seconds * nanos_per_second);
}

apply::Request build_request(const KeysParams& params, UnixNanos now) {
  return build_request(KeysParams(params), now);
}

apply::Request build_request(KeysParams&& params, UnixNanos now) {
  const KeysOp op = classify(params);
  COORD_CHECK(op == KeysOp::kWrite || op == KeysOp::kQuorumGet,
              "build_request for a request served without Raft");
  apply::Request r;
  r.path = std::move(params.key);
  r.time = now;
  const auto expiration = [&]() -> std::optional<UnixNanos> {
    if (!params.ttl) return std::nullopt;
    return expiration_after(now, *params.ttl);
  };
  switch (params.method) {
    case KeysMethod::kPut:
      r.method = apply::Method::kPut;
      r.value = std::move(params.value);
      r.dir = params.dir;
      r.prev_exist = params.prev_exist;
      r.prev_value = std::move(params.prev_value);
      r.prev_index = params.prev_index;
      r.expiration = expiration();
      r.refresh = params.refresh.value_or(false);
      break;
    case KeysMethod::kPost:
      r.method = apply::Method::kPost;
      r.value = std::move(params.value);
      r.dir = params.dir;
      r.expiration = expiration();
      break;
    case KeysMethod::kDelete:
      r.method = apply::Method::kDelete;
      r.dir = params.dir;
      r.recursive = params.recursive;
      r.prev_value = std::move(params.prev_value);
      r.prev_index = params.prev_index;
      break;
    case KeysMethod::kGet:
    case KeysMethod::kHead:
      r.method = apply::Method::kQGet;
      r.recursive = params.recursive;
      r.sorted = params.sorted;
      break;
  }
  return r;
}

bool omit_nodes_on_success(const KeysParams& params, std::string_view action) {
  return omit_nodes_on_success(params.no_value_on_success, action);
}

bool omit_nodes_on_success(bool no_value_on_success, std::string_view action) {
  if (!no_value_on_success) return false;
  return action == store::action::kSet || action == store::action::kCreate ||
         action == store::action::kUpdate || action == store::action::kCompareAndSwap;
}

std::optional<bool> parse_go_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
  return std::nullopt;
}

std::optional<std::uint64_t> parse_go_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return std::nullopt;  // out of range
    v = v * 10 + d;
  }
  return v;
}

}  // namespace coord::http
