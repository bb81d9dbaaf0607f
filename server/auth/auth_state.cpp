#include "server/auth/auth_state.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "server/auth/permissions.hpp"

namespace coord::auth {
namespace {

AuthOutcome failure(int status, std::string message, AuthOutcome out = {}) {
  out.error = AuthError{status, std::move(message)};
  return out;
}

// etcd's attachRootRole: appended (not sorted in) when missing.
User with_root_role(User u) {
  if (u.name != kRootName) return u;
  if (!u.roles) u.roles.emplace();
  if (std::find(u.roles->begin(), u.roles->end(), kRootName) == u.roles->end()) u.roles->emplace_back(kRootName);
  return u;
}

}  // namespace

std::optional<User> AuthState::user(std::string_view name) const {
  auto it = users_.find(name);
  if (it == users_.end()) return std::nullopt;
  return with_root_role(it->second);
}

std::optional<Role> AuthState::role(std::string_view name) const {
  if (name == kRootName) return root_role();
  auto it = roles_.find(name);
  if (it == roles_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> AuthState::user_names() const {
  std::vector<std::string> out;
  for (const auto& [name, u] : users_) out.push_back(name);
  return out;
}

std::vector<std::string> AuthState::role_names() const {
  std::vector<std::string> out{std::string(kRootName)};
  for (const auto& [name, r] : roles_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

void AuthState::restore(bool enabled, bool initialized, std::map<std::string, User, std::less<>> users,
                        std::map<std::string, Role, std::less<>> roles) {
  enabled_ = enabled;
  initialized_ = initialized;
  users_ = std::move(users);
  roles_ = std::move(roles);
}

void AuthState::ensure_initialized(AuthOutcome& out) {
  if (initialized_) return;
  for (int i = 0; i < 4; ++i) out.writes.push_back({AuthWrite::kCreate, true});
  initialized_ = true;
}

AuthOutcome AuthState::apply(const AuthOp& op) {
  switch (op.kind) {
    case AuthOpKind::kEnable: return enable();
    case AuthOpKind::kDisable: return disable();
    case AuthOpKind::kCreateUser: return create_user(op.user, {});
    case AuthOpKind::kCreateOrUpdateUser:
      if (users_.count(op.user.name) != 0) return update_user(op, {});
      return create_user(op.user, AuthOutcome{.created = true});
    case AuthOpKind::kUpdateUser: return update_user(op, {});
    case AuthOpKind::kDeleteUser: return delete_user(op);
    case AuthOpKind::kCreateRole: return create_role(op);
    case AuthOpKind::kUpdateRole: return update_role(op);
    case AuthOpKind::kDeleteRole: return delete_role(op);
  }
  return failure(500, "auth: unknown operation");
}

AuthOutcome AuthState::create_user(User user, AuthOutcome out) {
  user = with_root_role(std::move(user));
  if (user.password_hash.empty())
    return failure(400, "auth: Cannot create user " + user.name + " with an empty password");
  ensure_initialized(out);
  if (users_.count(user.name) != 0) {
    out.writes.push_back({AuthWrite::kCreate, false});
    out.created = false;
    return failure(409, "auth: User " + user.name + " already exists.", std::move(out));
  }
  users_[user.name] = user;
  out.writes.push_back({AuthWrite::kCreate, true});
  out.user = std::move(user);
  return out;
}

AuthOutcome AuthState::update_user(const AuthOp& op, AuthOutcome out) {
  const auto old = user(op.user.name);
  if (!old) return failure(404, "auth: User " + op.user.name + " doesn't exist.");
  User next{old->name, op.user.password_hash.empty() ? old->password_hash : op.user.password_hash, std::nullopt};
  std::set<std::string> roles;
  if (old->roles) roles.insert(old->roles->begin(), old->roles->end());
  for (const auto& g : op.grant.value_or(std::vector<std::string>{}))
    if (!roles.insert(g).second)
      return failure(409, "auth: Granting duplicate role " + g + " for user " + op.user.name);
  for (const auto& r : op.revoke.value_or(std::vector<std::string>{}))
    if (roles.erase(r) == 0) return failure(409, "auth: Revoking ungranted role " + r + " for user " + op.user.name);
  next.roles.emplace(roles.begin(), roles.end());
  if (next == *old) return failure(400, "auth: User not updated. Use grant/revoke/password to update the user.");
  ensure_initialized(out);
  users_[next.name] = next;
  out.writes.push_back({AuthWrite::kUpdate, true});
  out.user = std::move(next);
  return out;
}

AuthOutcome AuthState::delete_user(const AuthOp& op) {
  const std::string& name = op.user.name;
  if (enabled_ && name == kRootName) return failure(403, "auth: Cannot delete root user while auth is enabled.");
  AuthOutcome out;
  ensure_initialized(out);
  if (users_.erase(name) == 0) {
    out.writes.push_back({AuthWrite::kDelete, false});
    return failure(404, "auth: User " + name + " does not exist", std::move(out));
  }
  out.writes.push_back({AuthWrite::kDelete, true});
  return out;
}

AuthOutcome AuthState::create_role(const AuthOp& op) {
  const Role& role = op.role;
  if (role.name == kRootName) return failure(403, "auth: Cannot modify role root: is root role.");
  AuthOutcome out{.created = true};
  ensure_initialized(out);
  if (roles_.count(role.name) != 0) {
    out.writes.push_back({AuthWrite::kCreate, false});
    out.created = false;
    return failure(409, "auth: Role " + role.name + " already exists.", std::move(out));
  }
  roles_[role.name] = role;
  out.writes.push_back({AuthWrite::kCreate, true});
  out.role = role;
  return out;
}

AuthOutcome AuthState::update_role(const AuthOp& op) {
  const std::string& name = op.role.name;
  if (name == kRootName) return failure(403, "auth: Cannot modify role root: is root role.");
  auto it = roles_.find(name);
  if (it == roles_.end()) return failure(404, "auth: Role " + name + " doesn't exist.");
  auto granted = grant(it->second.permissions, op.role.grant);
  if (auto* e = std::get_if<AuthError>(&granted)) return failure(e->status, e->message);
  Role next{name, revoke(std::get<Permissions>(granted), op.role.revoke), std::nullopt, std::nullopt};
  if (next == it->second) return failure(400, "auth: Role not updated. Use grant/revoke to update the role.");
  AuthOutcome out;
  ensure_initialized(out);
  roles_[name] = next;
  out.writes.push_back({AuthWrite::kUpdate, true});
  out.role = std::move(next);
  return out;
}

AuthOutcome AuthState::delete_role(const AuthOp& op) {
  const std::string& name = op.role.name;
  if (name == kRootName) return failure(403, "auth: Cannot modify role root: is root role.");
  AuthOutcome out;
  ensure_initialized(out);
  if (roles_.erase(name) == 0) {
    out.writes.push_back({AuthWrite::kDelete, false});
    return failure(404, "auth: Role " + name + " doesn't exist.", std::move(out));
  }
  out.writes.push_back({AuthWrite::kDelete, true});
  return out;
}

AuthOutcome AuthState::enable() {
  if (enabled_) return failure(409, "auth: already enabled");
  if (users_.count(kRootName) == 0) return failure(409, "auth: No root user available, please create one");
  AuthOutcome out;
  ensure_initialized(out);
  if (roles_.count(kGuestRole) == 0) {
    roles_[std::string(kGuestRole)] = default_guest_role();
    out.writes.push_back({AuthWrite::kCreate, true});
  }
  enabled_ = true;
  out.writes.push_back({AuthWrite::kUpdate, true});
  return out;
}

AuthOutcome AuthState::disable() {
  if (!enabled_) return failure(409, "auth: already disabled");
  AuthOutcome out;
  ensure_initialized(out);
  enabled_ = false;
  out.writes.push_back({AuthWrite::kUpdate, true});
  return out;
}

}  // namespace coord::auth
