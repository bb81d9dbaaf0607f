// The JSON of the v2 auth API, byte for byte as etcd 3.4 writes it (Go's encoding/json on the
// v2auth types, json.Encoder's trailing newline included) and read as Go decodes it into those
// types: field names matched case-insensitively, null leaving a field unset, unknown fields
// ignored, anything after the first value ignored, a wrong type failing the whole body.
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/auth/auth_types.hpp"

namespace coord::http {

// PUT /v2/auth/users/<name> body (etcd's v2auth.User).
struct UserRequest {
  std::string user;
  std::string password;
  auth::Names roles;
  auth::Names grant;
  auth::Names revoke;
};

// PUT /v2/auth/roles/<name> body (etcd's v2auth.Role).
struct RoleRequest {
  std::string role;
  auth::Permissions permissions;
  std::optional<auth::Permissions> grant;
  std::optional<auth::Permissions> revoke;
};

// The body as Go would decode it, or nullopt where Go's decoder fails ("Invalid JSON").
std::optional<UserRequest> parse_user_request(std::string_view body);
std::optional<RoleRequest> parse_role_request(std::string_view body);

// {"user":"u","roles":[...]|null}\n — a user as a PUT answers it (never with its password).
void append_user_json(std::string& out, const std::string& name, const auth::Names& roles);
// {"role":"r","permissions":{"kv":{"read":..,"write":..}}[,"grant":..][,"revoke":..]}\n
void append_role_json(std::string& out, const auth::Role& role);
// {"user":"u"[,"roles":[<role>...]]}\n — a user with its roles resolved (GET).
void append_user_with_roles_json(std::string& out, const std::string& name, const std::vector<auth::Role>& roles);
// {"users":[<user with roles>...]|null}\n
void append_users_json(std::string& out, const std::vector<std::pair<std::string, std::vector<auth::Role>>>& users);
// {"roles":[<role>...]}\n
void append_roles_json(std::string& out, const std::vector<auth::Role>& roles);
// {"enabled":true|false}\n
void append_enabled_json(std::string& out, bool enabled);

}  // namespace coord::http
