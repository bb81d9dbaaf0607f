// A linearizability checker for recorded histories of concurrent operations (Wing & Gong's
// search with Lowe's memoization, as Knossos and Porcupine do it).
//
// A history is a list of operations, each with the time its client called it, the time the
// answer came back, and the answer. An operation whose outcome the client could not learn (a
// timeout, a connection cut after the request was sent) is *indeterminate*: it may have taken
// effect at any moment after its call, or never. The history is linearizable when there is one
// order of all determinate operations, and of any subset of the indeterminate ones, that
// (1) respects real time: an operation that returned before another was called comes first, and
// (2) replayed one by one on the model from its initial state, yields exactly the recorded
// answers of the determinate operations.
//
// The model is a type with
//   using State = ...;  (copyable, == comparable, hashable through Model::hash(State))
//   using Input = ...;  using Output = ...;
//   static State initial();
//   static std::pair<Output, State> apply(const State&, const Input&);   // deterministic
//   static bool same(const Output& recorded, const Output& produced);
// Histories are checked per partition (Model::partition(Input), e.g. the key): operations on
// different keys of a key-value store commute, so a history is linearizable when each key's
// sub-history is (Herlihy & Wing's locality), which keeps each search small.
//
// The search is exponential in the worst case; it is meant for histories of a few hundred
// operations per partition with bounded concurrency, which fault scenarios produce. The cache
// holds (set of linearized operations, state) pairs already explored.
//
// Thread-safety: a pure function of its arguments; histories are recorded by the caller (see
// history_recorder.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace coord::test::history {

using Clock = std::chrono::steady_clock;

template <class Model>
struct Operation {
  int client = 0;
  Clock::time_point call;
  Clock::time_point ret;             // ignored when indeterminate
  bool indeterminate = false;
  typename Model::Input input;
  typename Model::Output output{};   // ignored when indeterminate
};

struct CheckResult {
  bool linearizable = true;
  // When not linearizable: the partition that failed and the largest prefix order the search
  // reached (indexes into the history), to print what could not be explained.
  std::string partition;
  std::vector<std::size_t> longest_order;
  std::size_t states_explored = 0;
};

namespace detail {

// A set of operation indexes as a bitset (the memoization key).
struct Bits {
  std::vector<std::uint64_t> words;
  explicit Bits(std::size_t n) : words((n + 63) / 64, 0) {}
  void set(std::size_t i) { words[i / 64] |= std::uint64_t{1} << (i % 64); }
  void clear(std::size_t i) { words[i / 64] &= ~(std::uint64_t{1} << (i % 64)); }
  bool operator==(const Bits&) const = default;
  std::size_t hash() const {
    std::size_t h = 1469598103934665603ULL;
    for (auto w : words) h = (h ^ static_cast<std::size_t>(w)) * 1099511628211ULL;
    return h;
  }
};

// One partition's search. `ops` are indexes into the full history.
template <class Model>
CheckResult check_partition(const std::vector<Operation<Model>>& history, const std::vector<std::size_t>& ops) {
  using State = typename Model::State;
  const std::size_t n = ops.size();

  // The event list: a call event per operation, a return event per determinate one, sorted by
  // time (a call before a return at the same instant, which only widens what may overlap).
  struct Event {
    Clock::time_point at;
    bool is_call;
    std::size_t op;  // index into ops
  };
  std::vector<Event> events;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& o = history[ops[i]];
    events.push_back({o.call, true, i});
    if (!o.indeterminate) events.push_back({o.ret, false, i});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.at != b.at) return a.at < b.at;
    return a.is_call && !b.is_call;
  });

  // A doubly linked list over the events, with sentinels at 0 and size+1, so that linearizing an
  // operation can lift its call and return out and put them back when backtracking.
  const std::size_t m = events.size();
  std::vector<std::size_t> next(m + 2), prev(m + 2);
  for (std::size_t i = 0; i < m + 2; ++i) {
    next[i] = i + 1;
    prev[i] = i == 0 ? 0 : i - 1;
  }
  std::vector<std::size_t> call_node(n), ret_node(n, 0);
  for (std::size_t i = 0; i < m; ++i) (events[i].is_call ? call_node : ret_node)[events[i].op] = i + 1;
  auto lift = [&](std::size_t node) {
    next[prev[node]] = next[node];
    prev[next[node]] = prev[node];
  };
  auto unlift = [&](std::size_t node) {
    next[prev[node]] = node;
    prev[next[node]] = node;
  };
  std::size_t returns_left = 0;
  for (std::size_t i = 0; i < n; ++i) returns_left += history[ops[i]].indeterminate ? 0 : 1;

  struct CacheKey {
    Bits linearized;
    State state;
    bool operator==(const CacheKey& o) const { return linearized == o.linearized && state == o.state; }
  };
  struct CacheHash {
    std::size_t operator()(const CacheKey& k) const { return k.linearized.hash() * 31 + Model::hash(k.state); }
  };
  std::unordered_set<CacheKey, CacheHash> cache;

  struct Frame {
    std::size_t op;
    State state_before;
  };
  std::vector<Frame> stack;
  Bits linearized(n);
  State state = Model::initial();
  CheckResult result;
  std::vector<std::size_t> longest;

  std::size_t node = next[0];
  while (returns_left > 0) {
    if (node == m + 1) {
      // Not reached: while a determinate operation is not linearized its return event is in
      // the list, and the scan meets it first. Should it happen, say so rather than pass.
      result.linearizable = false;
      result.longest_order = std::move(longest);
      return result;
    }
    const Event& e = events[node - 1];
    if (e.is_call) {
      const auto& o = history[ops[e.op]];
      auto [produced, after] = Model::apply(state, o.input);
      bool ok = o.indeterminate || Model::same(o.output, produced);
      if (ok) {
        Bits with = linearized;
        with.set(e.op);
        CacheKey key{with, after};
        if (cache.insert(key).second) {
          ++result.states_explored;
          stack.push_back({e.op, state});
          state = std::move(after);
          linearized = std::move(with);
          lift(call_node[e.op]);
          if (ret_node[e.op] != 0) {
            lift(ret_node[e.op]);
            --returns_left;
          }
          if (stack.size() > longest.size()) {
            longest.clear();
            for (const auto& f : stack) longest.push_back(ops[f.op]);
          }
          node = next[0];
          continue;
        }
      }
      node = next[node];
      continue;
    }
    // A return event: the operation it ends cannot be linearized before it, in this order.
    // Backtrack to the last choice and try the next candidate after it.
    if (stack.empty()) {
      result.linearizable = false;
      result.longest_order = std::move(longest);
      return result;
    }
    Frame top = std::move(stack.back());
    stack.pop_back();
    state = std::move(top.state_before);
    linearized.clear(top.op);
    if (ret_node[top.op] != 0) {
      unlift(ret_node[top.op]);
      ++returns_left;
    }
    unlift(call_node[top.op]);
    node = next[call_node[top.op]];
  }
  return result;
}

}  // namespace detail

// Checks the whole history, partition by partition.
template <class Model>
CheckResult check(const std::vector<Operation<Model>>& history) {
  std::map<std::string, std::vector<std::size_t>> partitions;
  for (std::size_t i = 0; i < history.size(); ++i) partitions[Model::partition(history[i].input)].push_back(i);
  CheckResult total;
  for (const auto& [name, ops] : partitions) {
    CheckResult r = detail::check_partition<Model>(history, ops);
    total.states_explored += r.states_explored;
    if (!r.linearizable) {
      r.partition = name;
      r.states_explored = total.states_explored;
      return r;
    }
  }
  return total;
}

}  // namespace coord::test::history
