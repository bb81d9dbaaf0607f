// AuthGate: v2 auth enforcement for the client API, as etcd 3.4's v2http does it
// (hasRootAccess, hasWriteRootAccess, hasKeyPrefixAccess): HTTP Basic credentials checked
// against the replicated users (this member's applied state), the guest role for requests
// without credentials, kv.read/kv.write patterns for keys. With --client-cert-auth, a request
// without an Authorization header is made by the user named by the common name of a
// certificate in the client's verified chain (leaf first), as etcd's userFromClientCertificate:
// the TLS handshake has proven it, so no password is asked.
//
// bcrypt verification costs tens of milliseconds, so successful verifications are cached: per
// user, the SHA-256 of the password that matched and the hash it matched. A hit needs the same
// digest and the user's current hash, so a password change (a new hash) or a deleted user
// invalidates it by construction. Clear passwords are never kept.
//
// Safe for concurrent use from any thread (the cache is guarded by mu_).
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/auth/sha256.hpp"
#include "server/http/request_handler.hpp"

namespace coord::node {
class Node;
}

namespace coord::http {

class AuthGate {
 public:
  // `client_cert_auth`: the client listener requires verified client certificates.
  explicit AuthGate(node::Node& node, bool client_cert_auth = false) : node_(node), client_cert_auth_(client_cert_auth) {}

  // True when auth is disabled on this member.
  bool auth_disabled() const;
  // `cert_names`: the common names of the client's verified certificate chain, leaf first
  // (Session::client_cert_names(); empty over plain TCP).
  //
  // etcd's hasRootAccess: auth disabled, or a user with the root role (Basic credentials, or
  // the certificate's user when there is no Authorization header and client-cert auth is on).
  bool root_access(const HttpRequest& request, const std::vector<std::string>& cert_names = {});
  // etcd's hasWriteRootAccess: GET and HEAD pass; other methods need root access.
  bool write_root_access(const HttpRequest& request, const std::vector<std::string>& cert_names = {});
  // etcd's hasKeyPrefixAccess with auth enabled: without an Authorization header the
  // certificate's user (client-cert auth on) or else the guest role decides (plain pattern
  // match even for recursive requests); with one, the user's roles (recursive requests need a
  // covering '*' pattern). `key` is the path after /v2/keys.
  bool key_access(const HttpRequest& request, std::string_view key, bool recursive,
                  const std::vector<std::string>& cert_names = {});

  // Verifications answered from the cache / by running bcrypt (for tests and measurements).
  std::size_t cache_hits() const;
  std::size_t bcrypt_runs() const;

 private:
  struct Verified {
    auth::Sha256Digest digest;
    std::string hash;
  };

  // True when `password` matches `hash`, the stored hash of user `name`.
  bool password_matches(const std::string& name, std::string_view password, const std::string& hash);

  node::Node& node_;
  const bool client_cert_auth_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Verified> verified_;  // guarded by mu_; at most kMaxCached
  std::size_t hits_ = 0;                                 // guarded by mu_
  std::size_t runs_ = 0;                                 // guarded by mu_
  static constexpr std::size_t kMaxCached = 4096;
};

// The user and password of an "Authorization: Basic ..." header, as Go's Request.BasicAuth
// reads it (case-insensitive scheme, strict padded base64, split at the first ':').
std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header);

}  // namespace coord::http
