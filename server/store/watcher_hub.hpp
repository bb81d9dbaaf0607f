// WatcherHub: live watchers by watched key, and the delivery rules of etcd's watcher hub
// (etcd 3.4's v2 API): an event on "/a/b" is offered to watchers on "/", "/a" and "/a/b"; a watcher
// above the key needs `recursive` and sees nothing whose path below the watched key has a part
// starting with '_'; a dir delete or expiry also reaches watchers on the existing nodes inside
// it. Every watcher gets an event at most once. Not thread-safe: Store calls it under the
// caller's exclusive lock. The hub never runs a sink itself: notify() only collects the sinks an
// event must reach into a FanOut (and drops a one-shot watcher at once), which its owner runs,
// under that lock or (NodeCore) after releasing it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/store/event.hpp"
#include "server/store/fan_out.hpp"

namespace coord::store {

class WatcherHub {
 public:
  // Registers a watcher on the clean user key `key` ("/" for the root) for events with
  // index >= since. A non-stream watcher is removed after its first event.
  WatchId add(std::string key, bool recursive, bool stream, std::uint64_t since, WatchSink sink);
  // Removes a watcher; ignores ids that are already gone.
  void remove(WatchId id);
  // Appends to `out` the sink of every watcher `e` matches, and removes the one-shot ones among
  // them (so a second event, collected before `out` runs, cannot reach them again).
  // `removed_paths` are the watched keys of existing nodes strictly inside a dir that `e`
  // deletes or expires.
  void notify(const EventPtr& e, const std::vector<std::string>& removed_paths, FanOut& out);
  // Watched keys strictly below `dir_key` (for finding `removed_paths`).
  std::vector<std::string> watched_below(std::string_view dir_key) const;

  std::size_t count() const { return count_; }

  // True when some part of `key` below `watched` starts with '_' (etcd's isHidden).
  static bool hidden_below(std::string_view watched, std::string_view key);

 private:
  struct Watcher {
    WatchId id;
    bool recursive;
    bool stream;
    std::uint64_t since;
    std::shared_ptr<const WatchSink> sink;  // shared with the FanOuts that hold it
  };
  // Watched keys are hashed with FNV-1a, which extends byte by byte: notify() gets the hash of
  // every prefix of an event's key in one pass over it, so a write to a key of d levels costs
  // O(length) there, not O(d x length) (which, for a key thousands of levels deep, would stall
  // the raft thread on every write). A prefix is looked up as a HashedKey, its hash precomputed.
  static constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
  static constexpr std::uint64_t kFnvPrime = 1099511628211ull;
  static std::uint64_t fnv_extend(std::uint64_t h, std::string_view bytes) {
    for (unsigned char c : bytes) h = (h ^ c) * kFnvPrime;
    return h;
  }
  struct HashedKey {
    std::string_view key;
    std::size_t hash;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return fnv_extend(kFnvOffset, s); }
    std::size_t operator()(const HashedKey& k) const { return k.hash; }
  };
  struct KeyEqual {
    using is_transparent = void;
    static std::string_view view(std::string_view s) { return s; }
    static std::string_view view(const HashedKey& k) { return k.key; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const { return view(a) == view(b); }
  };
  // Collects the watchers on exactly `path` that `e` reaches into `out` (the event as
  // `event_slot`, which is added to `out` with the first of them); one-shot ones into `ended`.
  // `removed` marks a node deleted inside a dir.
  void collect(const EventPtr& e, const HashedKey& path, bool removed, FanOut& out,
               std::uint32_t& event_slot, std::vector<WatchId>& ended) const;
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};
  void erase_now(WatchId id);
  void erase_batch(std::vector<WatchId>& ids);  // sorts `ids`

  std::unordered_map<std::string, std::vector<Watcher>, KeyHash, KeyEqual> by_key_;
  std::unordered_map<WatchId, std::string> key_of_id_;
  WatchId next_id_ = 1;
  std::size_t count_ = 0;
};

}  // namespace coord::store
