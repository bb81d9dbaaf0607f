// WatcherHub: live watchers by watched key, and the delivery rules of etcd's watcher hub
// (etcd 3.4's v2 API): an event on "/a/b" is offered to watchers on "/", "/a" and "/a/b"; a watcher
// above the key needs `recursive` and sees nothing whose path below the watched key has a part
// starting with '_'; a dir delete or expiry also reaches watchers on the existing nodes inside
// it. Every watcher gets an event at most once. Not thread-safe: Store calls it under the
// caller's exclusive lock; sinks run inline and must only copy or post the event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/store/event.hpp"

namespace coord::store {

using WatchId = std::uint64_t;
// Called with each matching event. Return false to be removed. Must not block and must not call
// back into the store.
using WatchSink = std::function<bool(const EventPtr&)>;

class WatcherHub {
 public:
  // Registers a watcher on the clean user key `key` ("/" for the root) for events with
  // index >= since. A non-stream watcher is removed after its first event.
  WatchId add(std::string key, bool recursive, bool stream, std::uint64_t since, WatchSink sink);
  // Removes a watcher; ignores ids that are already gone.
  void remove(WatchId id);
  // Offers `e` to every watcher it matches. `removed_paths` are the watched keys of existing
  // nodes strictly inside a dir that `e` deletes or expires.
  void notify(const EventPtr& e, const std::vector<std::string>& removed_paths);
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
    WatchSink sink;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Delivers to the watchers on exactly `path`; `removed` marks a node deleted inside a dir.
  void deliver(const EventPtr& e, std::string_view path, bool removed);
  void erase_now(WatchId id);
  void erase_batch(const std::vector<WatchId>& ids);

  std::unordered_map<std::string, std::vector<Watcher>, KeyHash, std::equal_to<>> by_key_;
  std::unordered_map<WatchId, std::string> key_of_id_;
  std::vector<WatchId> pending_removals_;  // remove() called from inside a sink
  bool delivering_ = false;
  WatchId next_id_ = 1;
  std::size_t count_ = 0;
};

}  // namespace coord::store
