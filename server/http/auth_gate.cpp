#include "server/http/auth_gate.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <thread>
#include <vector>

#include "server/auth/password.hpp"
#include "server/auth/permissions.hpp"
#include "server/http/session.hpp"
#include "server/http/v2_json.hpp"
#include "server/node/node_api.hpp"

namespace coord::http {
namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Go's base64.StdEncoding.DecodeString: padded, no whitespace, unused bits must be zero.
std::optional<std::string> decode_base64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=' && in[i + 3] == '=') : 0;
    int v[4] = {0, 0, 0, 0};
    for (int j = 0; j < 4 - pad; ++j)
      if ((v[j] = base64_value(in[i + j])) < 0) return std::nullopt;
    const std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    if ((pad == 1 && (n & 0xff) != 0) || (pad == 2 && (n & 0xffff) != 0)) return std::nullopt;
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

bool is_read(const HttpRequest& r) { return r.method() == bhttp::verb::get || r.method() == bhttp::verb::head; }

std::string_view authorization_of(const HttpRequest& r) {
  const auto h = r[bhttp::field::authorization];
  return {h.data(), h.size()};
}

// etcd's userFromClientCertificate: the first common name in the verified chain that names a user.
std::optional<auth::User> user_of_certificate(const store::Store& s, const std::vector<std::string>& cert_names) {
  for (const auto& name : cert_names)
    if (auto user = s.auth().user(name)) return user;
  return std::nullopt;
}

bool has_root_role(const auth::User& user) {
  const auto& roles = user.roles.value_or(std::vector<std::string>{});
  return std::find(roles.begin(), roles.end(), auth::kRootName) != roles.end();
}

}  // namespace

std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header) {
  constexpr std::string_view kPrefix = "basic ";
  if (header.size() < kPrefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kPrefix[i]) return std::nullopt;
  }
  auto decoded = decode_base64(header.substr(kPrefix.size()));
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

// A user as this member knows it, with the roles it names that exist.
struct AuthGate::Principal {
  auth::User user;
  std::vector<auth::Role> roles;
};

// Who makes a request, with auth on. `user` is set for a proven user (Basic credentials with a
// matching verdict, or the certificate's user); `guest` for a request that names no user (no
// Authorization header and no certificate user); neither for bad credentials.
struct AuthGate::Caller {
  bool auth_enabled = false;
  std::optional<Principal> user;
  std::optional<auth::Role> guest;
};

namespace {

// One worker when the machine has few cores (the io threads need them), two otherwise.
std::size_t check_threads() { return std::thread::hardware_concurrency() > 2 ? 2 : 1; }
// A login waits behind at most this many checks (~60 ms each) before it runs.
constexpr std::size_t kMaxQueuedChecks = 16;

}  // namespace

AuthGate::AuthGate(node::NodeApi& node, bool client_cert_auth)
    : node_(node), client_cert_auth_(client_cert_auth), pool_(check_threads(), kMaxQueuedChecks) {}

bool AuthGate::auth_disabled() const {
  return !node_.read([](const store::Store& s, node::RaftPosition) { return s.auth().enabled(); });
}

std::optional<AuthGate::Unverified> AuthGate::unverified_credentials(const HttpRequest& request) {
  auto credentials = parse_basic_auth(authorization_of(request));
  if (!credentials) return std::nullopt;
  std::optional<std::string> hash;
  node_.read([&](const store::Store& s, node::RaftPosition) {
    if (!s.auth().enabled()) return 0;
    if (auto user = s.auth().user(credentials->first)) hash = std::move(user->password_hash);
    return 0;
  });
  if (!hash || recorded_verdict(credentials->first, auth::sha256(credentials->second), *hash)) return std::nullopt;
  return Unverified{std::move(credentials->first), std::move(credentials->second), std::move(*hash)};
}

void AuthGate::verify(const Unverified& check) {
  {
    std::lock_guard lock(mu_);
    ++runs_;
  }
  record(check.user, auth::sha256(check.password), check.hash, auth::verify_password(check.password, check.hash));
}

bool AuthGate::defer_until_verified(HttpRequest& request, const std::shared_ptr<Session>& session, RequestHandler& resume) {
  if (request[bhttp::field::authorization].empty()) return false;  // the usual request: one header lookup
  auto check = unverified_credentials(request);
  if (!check) return false;
  {
    std::lock_guard lock(mu_);
    ++runs_;
  }
  const bool head = request.method() == bhttp::verb::head;
  std::string password = check->password, hash = check->hash;
  auto done = [this, &resume, user = std::move(check->user), digest = auth::sha256(check->password), hash,
               request = std::move(request), session](bool matches) mutable {
    record(user, digest, hash, matches);
    // Back on an io thread, outside the session's strand (whose owner is waiting for this
    // answer): route() then finds the verdict recorded and goes on as for any request.
    net::post(session->io_executor(), [&resume, request = std::move(request), session]() mutable {
      resume.route(std::move(request), std::move(session));
    });
  };
  if (pool_.submit(std::move(password), std::move(hash), std::move(done))) return true;
  // More logins are waiting than the workers can check soon: refuse this one at once, as an
  // overloaded etcd refuses work. etcd's v2 API has no overload answer of its own; its
  // httptypes.HTTPError shape ({"message": ...}, the shape of its 503 "During election") with
  // the message of its overload error (etcdserver.ErrTooManyRequests) tells a client to retry
  // later without suggesting its credentials are wrong, which a 401 would.
  Reply busy{503, kJson, {}, {}};
  append_message_json(busy.body, "etcdserver: too many requests");
  busy.head_only = head;
  session->reply(std::move(busy));
  return true;
}

bool AuthGate::write_root_access(const HttpRequest& request, const std::vector<std::string>& cert_names) {
  return is_read(request) || root_access(request, cert_names);
}

AuthGate::Caller AuthGate::caller_of(const HttpRequest& request, const std::vector<std::string>& cert_names) {
  const std::string_view authorization = authorization_of(request);
  std::optional<std::pair<std::string, std::string>> credentials;
  if (!authorization.empty()) {
    credentials = parse_basic_auth(authorization);
    if (!credentials) return Caller{node_.read([](const store::Store& s, node::RaftPosition) { return s.auth().enabled(); }), {}, {}};
  }
  Caller caller;
  node_.read([&](const store::Store& s, node::RaftPosition) {
    caller.auth_enabled = s.auth().enabled();
    if (!caller.auth_enabled) return 0;
    std::optional<auth::User> user;
    if (credentials) {
      user = s.auth().user(credentials->first);
    } else if (client_cert_auth_) {
      user = user_of_certificate(s, cert_names);
    }
    if (user) {
      caller.user = Principal{std::move(*user), {}};
      for (const auto& name : caller.user->user.roles.value_or(std::vector<std::string>{}))
        if (auto role = s.auth().role(name)) caller.user->roles.push_back(std::move(*role));
    } else if (!credentials) {
      caller.guest = s.auth().role(auth::kGuestRole);
    }
    return 0;
  });
  // The verdict was recorded before the request was routed (defer_until_verified); without one
  // (the user's hash changed meanwhile) the password was not proven for the current hash.
  if (credentials && caller.user &&
      recorded_verdict(caller.user->user.name, auth::sha256(credentials->second), caller.user->user.password_hash) != true) {
    caller.user.reset();
  }
  return caller;
}

bool AuthGate::root_access(const HttpRequest& request, const std::vector<std::string>& cert_names) {
  const Caller caller = caller_of(request, cert_names);
  if (!caller.auth_enabled) return true;
  return caller.user && has_root_role(caller.user->user);
}

bool AuthGate::key_access(const HttpRequest& request, std::string_view key, bool recursive,
                          const std::vector<std::string>& cert_names) {
  const bool write = !is_read(request);
  const Caller caller = caller_of(request, cert_names);
  // The guest role's patterns match plainly even for recursive requests (etcd's hasGuestAccess).
  if (caller.guest) return auth::role_allows(*caller.guest, key, write, false);
  if (!caller.user) return false;
  for (const auto& role : caller.user->roles)
    if (auth::role_allows(role, key, write, recursive)) return true;
  return false;
}

std::optional<bool> AuthGate::recorded_verdict(const std::string& name, const auth::Sha256Digest& digest,
                                               const std::string& hash) {
  std::lock_guard lock(mu_);
  auto it = verdicts_.find(name);
  if (it == verdicts_.end() || it->second.hash != hash) return std::nullopt;
  std::optional<bool> verdict;
  if (it->second.good == digest) verdict = true;
  else if (it->second.bad == digest) verdict = false;
  if (verdict) ++hits_;
  return verdict;
}

void AuthGate::record(const std::string& name, const auth::Sha256Digest& digest, const std::string& hash, bool matches) {
  std::lock_guard lock(mu_);
  if (verdicts_.size() >= kMaxUsers && verdicts_.count(name) == 0) verdicts_.clear();
  Verdicts& v = verdicts_[name];
  if (v.hash != hash) v = Verdicts{hash, std::nullopt, std::nullopt};
  (matches ? v.good : v.bad) = digest;
}

std::size_t AuthGate::cache_hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

std::size_t AuthGate::bcrypt_runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

}  // namespace coord::http
