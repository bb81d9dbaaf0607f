// Small helpers shared by the recipes' .cpp files (not installed): deadlines turned into per-call
// timeouts, the actions that mean "this key is gone", key path joining, shared user callbacks,
// the wait of a watched view.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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

// A user callback held by shared_ptr (nullptr when none was given). The wrappers a recipe hands
// to the Refresher or a thread capture it, so the callable stays alive while a call runs, even
// when that call destroys the recipe object whose options held it.
template <class Signature>
using SharedCallback = std::shared_ptr<const std::function<Signature>>;

template <class Signature>
SharedCallback<Signature> share_callback(std::function<Signature> f) {
  if (!f) return nullptr;
  return std::make_shared<const std::function<Signature>>(std::move(f));
}

// The last path segment of `key`.
inline std::string base_name(std::string_view key) {
  auto pos = key.rfind('/');
  return std::string(pos == std::string_view::npos ? key : key.substr(pos + 1));
}

// The loop of a watched view's wait_until() (LoadBalancerTable, TaskMonitor): once the view has
// loaded (`ready`), `predicate` is tried on a copy made under the lock (`copy()`) but called
// outside it, since user code must never run under the view's mutex; then the loop waits for
// the next change (`version` moves on). False once `deadline` passes. `lock` holds the view's
// mutex on entry and on return; `ready` and `version` are guarded by it.
template <class Copy, class Predicate>
bool wait_for_view(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Clock::time_point deadline,
                   const bool& ready, const std::uint64_t& version, Copy copy, const Predicate& predicate) {
  for (;;) {
    if (!cv.wait_until(lock, deadline, [&] { return ready; })) return false;
    auto view = copy();
    const std::uint64_t seen = version;
    lock.unlock();
    const bool holds = predicate(view);
    lock.lock();
    if (holds) return true;
    if (!cv.wait_until(lock, deadline, [&] { return version != seen; })) return false;
  }
}

}  // namespace coord::recipes::detail
