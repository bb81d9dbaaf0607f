// AuthGate: v2 auth enforcement for the client API, as etcd 3.4's v2http does it
// (hasRootAccess, hasWriteRootAccess, hasKeyPrefixAccess): HTTP Basic credentials checked
// against the replicated users (this member's applied state), the guest role for requests
// without credentials, kv.read/kv.write patterns for keys. With --client-cert-auth, a request
// without an Authorization header is made by the user named by the common name of a
// certificate in the client's verified chain (leaf first), as etcd's userFromClientCertificate:
// the TLS handshake has proven it, so no password is asked.
//
// bcrypt verification costs tens of milliseconds, so it never runs on an io thread: the router
// hands a request whose Basic password has no verdict yet to defer_until_verified(), which runs
// bcrypt on a small worker pool (PasswordCheckPool) and routes the request again, on an io
// thread, once the verdict is recorded. The access checks themselves only read recorded
// verdicts. Verdicts are kept per user: the SHA-256 of the last password that matched and of
// the last one that did not, each with the hash it was checked against. A verdict counts only
// for the user's current hash, so a password change (a new hash) or a deleted user invalidates
// it by construction; a client repeating one wrong password costs one bcrypt run, not one per
// request. Clear passwords are never kept.
//
// Safe for concurrent use from any thread (the verdicts are guarded by mu_).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/auth/sha256.hpp"
#include "server/http/password_check_pool.hpp"
#include "server/http/request_handler.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

class Session;

class AuthGate {
 public:
  // `client_cert_auth`: the client listener requires verified client certificates.
  explicit AuthGate(node::NodeApi& node, bool client_cert_auth = false);

  // Basic credentials of a request that need a bcrypt run: auth is on, the user exists, and no
  // verdict is recorded for this password and the user's current hash.
  struct Unverified {
    std::string user;
    std::string password;
    std::string hash;
  };
  std::optional<Unverified> unverified_credentials(const HttpRequest& request);
  // Runs bcrypt on the calling thread and records the verdict (tests; the server uses
  // defer_until_verified()).
  void verify(const Unverified& check);
  // Called by the router before it routes a request. False when the request needs no bcrypt
  // run (the usual case: no Authorization header, or a recorded verdict): route it now. True
  // when the gate took it: the check is queued on the worker pool, and `resume` routes it again
  // on one of the session's io threads once the verdict is recorded; or the queue was full and
  // the session got an overload answer (503, see auth_gate.cpp).
  bool defer_until_verified(HttpRequest& request, const std::shared_ptr<Session>& session, RequestHandler& resume);

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

  // Access checks answered from a recorded verdict / bcrypt runs (for tests and measurements).
  std::size_t cache_hits() const;
  std::size_t bcrypt_runs() const;
  // Requests answered 503 because the worker pool's queue was full.
  std::size_t overload_refusals() const { return pool_.refused(); }

 private:
  struct Verdicts {
    std::string hash;                          // the user's hash both digests were checked against
    std::optional<auth::Sha256Digest> good;    // the last password that matched
    std::optional<auth::Sha256Digest> bad;     // the last password that did not
  };
  struct Principal;
  struct Caller;

  // Who makes `request` (auth on): a proven user with its roles, the guest role, or nobody.
  Caller caller_of(const HttpRequest& request, const std::vector<std::string>& cert_names);
  // The recorded verdict of `password` for user `name` whose stored hash is `hash`; nullopt
  // when there is none.
  std::optional<bool> recorded_verdict(const std::string& name, const auth::Sha256Digest& digest, const std::string& hash);
  void record(const std::string& name, const auth::Sha256Digest& digest, const std::string& hash, bool matches);

  node::NodeApi& node_;
  const bool client_cert_auth_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Verdicts> verdicts_;  // guarded by mu_; at most kMaxUsers
  std::size_t hits_ = 0;                                 // guarded by mu_
  std::size_t runs_ = 0;                                 // guarded by mu_
  static constexpr std::size_t kMaxUsers = 4096;
  // Last: destroyed first, so no worker still records into the members above.
  PasswordCheckPool pool_;
};

// The user and password of an "Authorization: Basic ..." header, as Go's Request.BasicAuth
// reads it (case-insensitive scheme, strict padded base64, split at the first ':').
std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header);

}  // namespace coord::http
