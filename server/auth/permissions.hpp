// Key-pattern matching and permission merging exactly as etcd 3.4's v2auth does them
// (RWPermission.HasAccess / HasRecursiveAccess / Grant / Revoke). Pure functions; thread-safe.
#pragma once

#include <string_view>
#include <variant>

#include "server/auth/auth_types.hpp"

namespace coord::auth {

// A plain access check on `key`: a pattern ending in '*' matches every key starting with the
// rest; any other pattern matches only itself. An empty pattern matches nothing.
bool pattern_matches(std::string_view pattern, std::string_view key);
// For recursive requests: only '*' patterns count, and they match by prefix.
bool pattern_covers_subtree(std::string_view pattern, std::string_view key);

// Whether `role` may read (or write) `key`; `recursive` requests need a covering '*' pattern.
// The root role may do anything.
bool role_allows(const Role& role, std::string_view key, bool write, bool recursive);

// etcd's Permissions.Grant: adds patterns (409 on a duplicate); the result lists are sorted and
// present (never nil) unless `add` is absent, which returns `base` unchanged.
std::variant<Permissions, AuthError> grant(const Permissions& base, const std::optional<Permissions>& add);
// etcd's Permissions.Revoke: removes patterns, ignoring ones not granted; same list rules.
Permissions revoke(const Permissions& base, const std::optional<Permissions>& remove);

}  // namespace coord::auth
