#include "server/auth/auth_codec.hpp"

#include <utility>

namespace coord::auth {
namespace {

constexpr std::uint8_t kEnabled = 1;
constexpr std::uint8_t kInitialized = 2;

void put_names(Encoder& e, const Names& n) {
  e.put_u8(n ? 1 : 0);
  if (n) e.put_strings(*n);
}

bool get_names(Decoder& d, Names& n) {
  std::uint8_t present = 0;
  if (!d.get_u8(present) || present > 1) return false;
  if (present == 0) {
    n.reset();
    return true;
  }
  n.emplace();
  return d.get_strings(*n);
}

void put_permissions(Encoder& e, const Permissions& p) {
  put_names(e, p.read);
  put_names(e, p.write);
}

bool get_permissions(Decoder& d, Permissions& p) { return get_names(d, p.read) && get_names(d, p.write); }

void put_optional_permissions(Encoder& e, const std::optional<Permissions>& p) {
  e.put_u8(p ? 1 : 0);
  if (p) put_permissions(e, *p);
}

bool get_optional_permissions(Decoder& d, std::optional<Permissions>& p) {
  std::uint8_t present = 0;
  if (!d.get_u8(present) || present > 1) return false;
  if (present == 0) {
    p.reset();
    return true;
  }
  p.emplace();
  return get_permissions(d, *p);
}

void put_role(Encoder& e, const Role& r) {
  e.put_bytes(r.name);
  put_permissions(e, r.permissions);
  put_optional_permissions(e, r.grant);
  put_optional_permissions(e, r.revoke);
}

bool get_role(Decoder& d, Role& r) {
  return d.get_bytes(r.name) && get_permissions(d, r.permissions) && get_optional_permissions(d, r.grant) &&
         get_optional_permissions(d, r.revoke);
}

void put_user(Encoder& e, const User& u) {
  e.put_bytes(u.name);
  e.put_bytes(u.password_hash);
  put_names(e, u.roles);
}

bool get_user(Decoder& d, User& u) { return d.get_bytes(u.name) && d.get_bytes(u.password_hash) && get_names(d, u.roles); }

}  // namespace

std::string encode_op(const AuthOp& op) {
  std::string out;
  Encoder e(out);
  e.put_u8(kAuthOpVersion);
  e.put_u8(static_cast<std::uint8_t>(op.kind));
  put_user(e, op.user);
  put_names(e, op.grant);
  put_names(e, op.revoke);
  put_role(e, op.role);
  return out;
}

Result<AuthOp> decode_op(std::string_view data) {
  Decoder d(data);
  std::uint8_t version = 0, kind = 0;
  if (!d.get_u8(version) || version != kAuthOpVersion) return Status::corruption("auth op: unknown version");
  if (!d.get_u8(kind) || kind < 1 || kind > kLastAuthOpKind) return Status::corruption("auth op: unknown kind");
  AuthOp op;
  op.kind = static_cast<AuthOpKind>(kind);
  if (!get_user(d, op.user) || !get_names(d, op.grant) || !get_names(d, op.revoke) || !get_role(d, op.role) ||
      !d.done()) {
    return Status::corruption("auth op: truncated or trailing bytes");
  }
  return op;
}

void encode_state(Encoder& e, const AuthState& state) {
  e.put_u8((state.enabled() ? kEnabled : 0) | (state.initialized() ? kInitialized : 0));
  e.put_varint(state.users().size());
  for (const auto& [name, u] : state.users()) put_user(e, u);
  e.put_varint(state.roles().size());
  for (const auto& [name, r] : state.roles()) put_role(e, r);
}

Status decode_state(Decoder& d, AuthState& state) {
  std::uint8_t flags = 0;
  if (!d.get_u8(flags) || flags > (kEnabled | kInitialized)) return Status::corruption("auth state: bad flags");
  std::map<std::string, User, std::less<>> users;
  std::map<std::string, Role, std::less<>> roles;
  std::uint64_t count = 0;
  if (!d.get_count(count, 4)) return Status::corruption("auth state: bad user count");
  for (std::uint64_t i = 0; i < count; ++i) {
    User u;
    if (!get_user(d, u)) return Status::corruption("auth state: truncated user");
    if (!users.emplace(u.name, u).second) return Status::corruption("auth state: duplicate user");
  }
  if (!d.get_count(count, 6)) return Status::corruption("auth state: bad role count");
  for (std::uint64_t i = 0; i < count; ++i) {
    Role r;
    if (!get_role(d, r)) return Status::corruption("auth state: truncated role");
    if (r.name == kRootName || !roles.emplace(r.name, r).second) return Status::corruption("auth state: bad role");
  }
  state.restore((flags & kEnabled) != 0, (flags & kInitialized) != 0, std::move(users), std::move(roles));
  return Status::ok();
}

}  // namespace coord::auth
