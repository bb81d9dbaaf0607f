// Small helpers shared by the recipes' .cpp files (not installed): deadlines turned into per-call
// timeouts, the actions that mean "this key is gone", key path joining.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "coord/error.hpp"

namespace coord::recipes::detail {

using Clock = std::chrono::steady_clock;

// The timeout of one call made before `deadline`, at most `cap`; zero when the deadline passed.
inline std::chrono::milliseconds call_timeout(std::optional<Clock::time_point> deadline,
                                              std::chrono::milliseconds cap) {
  if (!deadline) return cap;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
  return std::clamp(left, std::chrono::milliseconds(0), cap);
}

inline bool passed(std::optional<Clock::time_point> deadline) { return deadline && Clock::now() >= *deadline; }

// delete, compareAndDelete and expire remove the node (and, for a directory, its subtree).
inline bool is_removal(std::string_view action) {
  return action == "delete" || action == "compareAndDelete" || action == "expire";
}

// Errors after which retrying cannot help.
inline bool is_fatal(const TransportError& e) {
  using K = TransportError::Kind;
  return e.kind() == K::kCancelled || e.kind() == K::kShutdown || e.kind() == K::kClusterIdMismatch ||
         e.kind() == K::kNoEndpoint;
}

inline std::string join_key(std::string_view a, std::string_view b) {
  std::string out(a);
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (b.empty() || b.front() != '/') out += '/';
  out += b;
  return out;
}

// The last path segment of `key`.
inline std::string base_name(std::string_view key) {
  auto pos = key.rfind('/');
  return std::string(pos == std::string_view::npos ? key : key.substr(pos + 1));
}

}  // namespace coord::recipes::detail
