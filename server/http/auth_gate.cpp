#include "server/http/auth_gate.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <algorithm>
#include <vector>

#include "server/auth/password.hpp"
#include "server/auth/permissions.hpp"
#include "server/node/node.hpp"

namespace coord::http {
namespace {

namespace bhttp = boost::beast::http;

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

// A user as this member knows it, with the roles it names that exist.
struct Principal {
  auth::User user;
  std::vector<auth::Role> roles;
};

Principal principal_of(const store::Store& s, auth::User user) {
  Principal p{std::move(user), {}};
  for (const auto& name : p.user.roles.value_or(std::vector<std::string>{}))
    if (auto role = s.auth().role(name)) p.roles.push_back(std::move(*role));
  return p;
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

bool AuthGate::auth_disabled() const {
  return !node_.read([](const store::Store& s, node::RaftPosition) { return s.auth().enabled(); });
}

bool AuthGate::write_root_access(const HttpRequest& request, const std::vector<std::string>& cert_names) {
  return is_read(request) || root_access(request, cert_names);
}

bool AuthGate::root_access(const HttpRequest& request, const std::vector<std::string>& cert_names) {
  const std::string_view authorization = authorization_of(request);
  const bool by_certificate = authorization.empty() && client_cert_auth_;
  auto credentials = by_certificate ? std::nullopt : parse_basic_auth(authorization);
  std::optional<auth::User> user;
  const bool enabled = node_.read([&](const store::Store& s, node::RaftPosition) {
    if (by_certificate) user = user_of_certificate(s, cert_names);
    else if (credentials) user = s.auth().user(credentials->first);
    return s.auth().enabled();
  });
  if (!enabled) return true;
  if (!user) return false;
  if (!by_certificate && !password_matches(user->name, credentials->second, user->password_hash)) return false;
  return has_root_role(*user);
}

bool AuthGate::key_access(const HttpRequest& request, std::string_view key, bool recursive,
                          const std::vector<std::string>& cert_names) {
  const bool write = !is_read(request);
  const std::string_view authorization = authorization_of(request);
  if (authorization.empty()) {
    // The certificate's user if there is one, else the guest role.
    std::optional<Principal> by_certificate;
    std::optional<auth::Role> guest;
    node_.read([&](const store::Store& s, node::RaftPosition) {
      if (client_cert_auth_)
        if (auto user = user_of_certificate(s, cert_names)) by_certificate = principal_of(s, std::move(*user));
      if (!by_certificate) guest = s.auth().role(auth::kGuestRole);
      return 0;
    });
    if (!by_certificate) return guest && auth::role_allows(*guest, key, write, false);
    for (const auto& role : by_certificate->roles)
      if (auth::role_allows(role, key, write, recursive)) return true;
    return false;
  }
  auto credentials = parse_basic_auth(authorization);
  if (!credentials) return false;
  auto principal = node_.read([&](const store::Store& s, node::RaftPosition) -> std::optional<Principal> {
    auto user = s.auth().user(credentials->first);
    if (!user) return std::nullopt;
    return principal_of(s, std::move(*user));
  });
  if (!principal || !password_matches(principal->user.name, credentials->second, principal->user.password_hash)) {
    return false;
  }
  for (const auto& role : principal->roles)
    if (auth::role_allows(role, key, write, recursive)) return true;
  return false;
}

bool AuthGate::password_matches(const std::string& name, std::string_view password, const std::string& hash) {
  const auth::Sha256Digest digest = auth::sha256(password);
  {
    std::lock_guard lock(mu_);
    auto it = verified_.find(name);
    if (it != verified_.end() && it->second.hash == hash && it->second.digest == digest) {
      ++hits_;
      return true;
    }
    ++runs_;
  }
  // bcrypt runs outside the lock: other requests go on meanwhile.
  if (!auth::verify_password(password, hash)) return false;
  std::lock_guard lock(mu_);
  if (verified_.size() >= kMaxCached && verified_.count(name) == 0) verified_.clear();
  verified_[name] = Verified{digest, hash};
  return true;
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
