#include "server/auth/permissions.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace coord::auth {
namespace {

std::vector<std::string> sorted(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

std::set<std::string> as_set(const Names& names) {
  if (!names) return {};
  return {names->begin(), names->end()};
}

}  // namespace

Role root_role() {
  return Role{std::string(kRootName), Permissions{std::vector<std::string>{"/*"}, std::vector<std::string>{"/*"}},
              std::nullopt, std::nullopt};
}

Role default_guest_role() {
  Role r = root_role();
  r.name = std::string(kGuestRole);
  return r;
}

bool pattern_matches(std::string_view pattern, std::string_view key) {
  if (pattern.empty()) return false;
  if (pattern.back() == '*') return key.starts_with(pattern.substr(0, pattern.size() - 1));
  return key == pattern;
}

bool pattern_covers_subtree(std::string_view pattern, std::string_view key) {
  if (pattern.empty() || pattern.back() != '*') return false;
  return key.starts_with(pattern.substr(0, pattern.size() - 1));
}

bool role_allows(const Role& role, std::string_view key, bool write, bool recursive) {
  if (role.name == kRootName) return true;
  const Names& patterns = write ? role.permissions.write : role.permissions.read;
  if (!patterns) return false;
  return std::any_of(patterns->begin(), patterns->end(), [&](const std::string& p) {
    return recursive ? pattern_covers_subtree(p, key) : pattern_matches(p, key);
  });
}

std::variant<Permissions, AuthError> grant(const Permissions& base, const std::optional<Permissions>& add) {
  if (!add) return base;
  std::set<std::string> read = as_set(base.read), write = as_set(base.write);
  for (const auto& p : add->read.value_or(std::vector<std::string>{}))
    if (!read.insert(p).second) return AuthError{409, "auth: Granting duplicate read permission " + p};
  for (const auto& p : add->write.value_or(std::vector<std::string>{}))
    if (!write.insert(p).second) return AuthError{409, "auth: Granting duplicate write permission " + p};
  return Permissions{sorted(read), sorted(write)};
}

Permissions revoke(const Permissions& base, const std::optional<Permissions>& remove) {
  if (!remove) return base;
  std::set<std::string> read = as_set(base.read), write = as_set(base.write);
  for (const auto& p : remove->read.value_or(std::vector<std::string>{})) read.erase(p);
  for (const auto& p : remove->write.value_or(std::vector<std::string>{})) write.erase(p);
  return Permissions{sorted(read), sorted(write)};
}

}  // namespace coord::auth
