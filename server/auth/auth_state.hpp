// AuthState: the replicated v2 auth state of one member — whether auth is enabled, the users
// and the roles — and the auth writes applied to it in log order, with etcd 3.4's exact checks,
// errors and merge rules (v2auth: CreateUser, UpdateUser, CreateRole, UpdateRole, EnableAuth...).
// Checks that depend on the state (exists? already enabled?) run here, at apply time, so that
// concurrent requests on different members cannot overwrite each other's changes (etcd reads,
// merges and writes back from the receiving member). Passwords arrive already hashed.
//
// Pure and deterministic: no clock, no randomness, no I/O. Not thread-safe: the store owns it,
// so it is read under the store's shared lock and written under its exclusive one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/auth/auth_types.hpp"

namespace coord::auth {

enum class AuthOpKind : std::uint8_t {
  kEnable = 1,
  kDisable = 2,
  kCreateUser = 3,          // PUT user with roles: fails if the user exists (200 on success)
  kCreateOrUpdateUser = 4,  // PUT user without roles/grant/revoke: 201 if created, else an update
  kUpdateUser = 5,          // PUT user with grant/revoke (and maybe a new password)
  kDeleteUser = 6,
  kCreateRole = 7,
  kUpdateRole = 8,
  kDeleteRole = 9,
};
inline constexpr std::uint8_t kLastAuthOpKind = 9;

// One auth write as it travels through the Raft log (encoded by auth_codec.hpp).
struct AuthOp {
  AuthOpKind kind = AuthOpKind::kEnable;
  User user;            // user ops: the name, the new password's hash ("" for none), roles as sent
  Names grant;          // kUpdateUser: roles to grant
  Names revoke;         // kUpdateUser: roles to revoke
  Role role;            // role ops: the role as sent (name, permissions, grant, revoke)
  friend bool operator==(const AuthOp&, const AuthOp&) = default;
};

// A write etcd would make to its internal /2 tree for an op: each successful one takes an etcd
// index, and every one is counted in the store stats like the matching key write.
struct AuthWrite {
  enum Kind : std::uint8_t { kCreate, kUpdate, kDelete } kind;
  bool ok;
};

// The answer to an applied AuthOp: an error, or the user/role the API answers with.
struct AuthOutcome {
  std::optional<AuthError> error;
  bool created = false;       // answer 201 rather than 200
  std::optional<User> user;   // the user written (its hash must never be sent back)
  std::optional<Role> role;   // the role written
  std::vector<AuthWrite> writes;
};

class AuthState {
 public:
  bool enabled() const { return enabled_; }
  // True once etcd would have created its /2 auth directories (the first auth write); from then
  // on the auth lookup before every keys request succeeds instead of failing (a stats quirk).
  bool initialized() const { return initialized_; }

  // A user as etcd's GetUser returns it: the root user always holds the root role.
  std::optional<User> user(std::string_view name) const;
  // A role as etcd's GetRole returns it: "root" is built in.
  std::optional<Role> role(std::string_view name) const;
  std::vector<std::string> user_names() const;  // sorted
  std::vector<std::string> role_names() const;  // sorted, "root" included

  // Applies one auth write; the returned writes say how the etcd index and stats move.
  AuthOutcome apply(const AuthOp& op);

  // Snapshot encoding (auth_codec.cpp).
  const std::map<std::string, User, std::less<>>& users() const { return users_; }
  const std::map<std::string, Role, std::less<>>& roles() const { return roles_; }
  void restore(bool enabled, bool initialized, std::map<std::string, User, std::less<>> users,
               std::map<std::string, Role, std::less<>> roles);

  friend bool operator==(const AuthState&, const AuthState&) = default;

 private:
  AuthOutcome create_user(User user, AuthOutcome out);
  AuthOutcome update_user(const AuthOp& op, AuthOutcome out);
  AuthOutcome delete_user(const AuthOp& op);
  AuthOutcome create_role(const AuthOp& op);
  AuthOutcome update_role(const AuthOp& op);
  AuthOutcome delete_role(const AuthOp& op);
  AuthOutcome enable();
  AuthOutcome disable();
  // etcd's ensureAuthDirectories: the first auth write creates /2, /2/users, /2/roles and
  // /2/enabled (four writes).
  void ensure_initialized(AuthOutcome& out);

  bool enabled_ = false;
  bool initialized_ = false;
  std::map<std::string, User, std::less<>> users_;  // as stored: the root user's roles as written
  std::map<std::string, Role, std::less<>> roles_;  // never "root"
};

}  // namespace coord::auth
