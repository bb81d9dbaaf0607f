// The v2 auth data model, shaped like etcd 3.4's v2auth package so that every answer can be
// reproduced byte for byte: users with a password hash and roles, roles with kv.read/kv.write
// key patterns, and the errors etcd answers with. A list that Go would hold as nil (written as
// JSON null) is an absent optional; an empty but present list is written as []. Plain values;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coord::auth {

inline constexpr std::string_view kRootName = "root";    // the root user and the root role
inline constexpr std::string_view kGuestRole = "guest";  // the role of unauthenticated requests

// A list of names or key patterns; nullopt is Go's nil slice (JSON null).
using Names = std::optional<std::vector<std::string>>;

// The kv permissions of a role: key patterns, a trailing '*' meaning "any key with this prefix".
struct Permissions {
  Names read;
  Names write;

  // etcd's Permissions.IsEmpty: no read and no write pattern.
  bool empty() const { return (!read || read->empty()) && (!write || write->empty()); }
  friend bool operator==(const Permissions&, const Permissions&) = default;
};

struct Role {
  std::string name;
  Permissions permissions;
  // Kept only because etcd stores (and echoes) a grant/revoke sent along with a role creation.
  std::optional<Permissions> grant;
  std::optional<Permissions> revoke;
  friend bool operator==(const Role&, const Role&) = default;
};

struct User {
  std::string name;
  std::string password_hash;  // crypt(3) string, e.g. "$2b$10$..."; never a clear password
  Names roles;
  friend bool operator==(const User&, const User&) = default;
};

// An auth API error: the HTTP status and the message etcd writes as {"message": ...}.
struct AuthError {
  int status = 0;
  std::string message;
  friend bool operator==(const AuthError&, const AuthError&) = default;
};

// etcd's built-in roles: root (everything, not stored, never changed) and the default guest
// role created when auth is first enabled without one.
Role root_role();
Role default_guest_role();

}  // namespace coord::auth
