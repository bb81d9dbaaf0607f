// Waiters: the clients waiting for their proposal to be applied (or their linearizable read to be
// released), keyed by request id, each with a deadline. Owned by Node, used inside rounds
// (raft_mu_); not thread-safe. Callbacks are never run by this class: it hands them back to the
// caller, which runs them after releasing the store lock (README.md: no callback under an internal
// lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

namespace coord::node {

template <class Callback>
class Waiters {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Registers `cb` under `id` (ids are unique per member for its lifetime).
  void add(std::uint64_t id, Callback cb, Deadline deadline) {
    by_id_.emplace(id, Entry{std::move(cb), deadline});
    by_deadline_.emplace(deadline, id);
  }
  // Takes the waiter for `id`, if any (a log entry proposed by another member has none).
  bool take(std::uint64_t id, Callback& out) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    out = std::move(it->second.cb);
    erase_deadline(it->second.deadline, id);
    by_id_.erase(it);
    return true;
  }
  // Takes every waiter whose deadline is <= now.
  std::vector<Callback> take_expired(Deadline now) {
    std::vector<Callback> out;
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
      const auto id = by_deadline_.begin()->second;
      by_deadline_.erase(by_deadline_.begin());
      auto it = by_id_.find(id);
      if (it == by_id_.end()) continue;
      out.push_back(std::move(it->second.cb));
      by_id_.erase(it);
    }
    return out;
  }
  // Takes every waiter (shutdown).
  std::vector<Callback> take_all() {
    std::vector<Callback> out;
    for (auto& [id, e] : by_id_) out.push_back(std::move(e.cb));
    by_id_.clear();
    by_deadline_.clear();
    return out;
  }
  std::size_t size() const { return by_id_.size(); }

 private:
  struct Entry {
    Callback cb;
    Deadline deadline;
  };
  void erase_deadline(Deadline d, std::uint64_t id) {
    auto [lo, hi] = by_deadline_.equal_range(d);
    for (auto it = lo; it != hi; ++it)
      if (it->second == id) {
        by_deadline_.erase(it);
        return;
      }
  }
  std::unordered_map<std::uint64_t, Entry> by_id_;
  std::multimap<Deadline, std::uint64_t> by_deadline_;
};

}  // namespace coord::node
