// coord::recipes::ConfigWatcher — subscribe to a configuration directory (recipes.md §4.2, key
// tree layout): an initial snapshot, then every change in order through a callback, with a resync
// (fresh snapshot, diffed into per-key changes flagged `resync`) when the server's event history
// no longer reaches back (401). Names are paths relative to the directory ("db/host"). Publishing
// is a plain set: ConfigWatcher::publish(client, dir, name, value).
//
// Staleness and slow callbacks (coord/watcher.hpp): a quiet watch confirms with a quorum read and
// moves off a member cut from the quorum. A slow callback never grows memory: the watcher pauses
// at a bounded queue, and if it falls out of the server's history the resync delivers only the
// latest value of each changed name (a configuration only needs the latest value; the values in
// between are coalesced away). snapshot()/get() always return the latest value delivered.
//
// Thread-safety: safe for concurrent use. The callback runs on the watcher's delivery thread, one
// change at a time in index order, with no internal lock held, never after the destructor
// returns. The callback may destroy the watcher (no further change is delivered then). The Client must outlive the watcher.
#pragma once

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "coord/client.hpp"
#include "coord/watcher.hpp"

namespace coord::recipes {

struct ConfigChange {
  enum class Kind { kSnapshot, kSet, kDelete };
  Kind kind = Kind::kSet;
  std::string name;                  // relative to the directory; empty for kSnapshot
  std::optional<std::string> value;  // the new value (kSet)
  std::uint64_t index = 0;           // modifiedIndex of the change (snapshot: etcd index)
  bool resync = false;               // synthesized from a resync diff
};

class ConfigWatcher {
 public:
  using Callback = std::function<void(const ConfigChange& change, const std::map<std::string, std::string>& all)>;

  ConfigWatcher(Client& client, std::string directory, Callback callback = nullptr);
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // A plain set of directory/name. Like every write of the Client, it is not sent again once it
  // may have reached a server: TransportError::kOutcomeUnknown then means the value may or may
  // not be in place (publishing again is the caller's choice: it may overwrite a newer value).
  static Response publish(Client& client, std::string_view directory, std::string_view name, std::string_view value);

  std::map<std::string, std::string> snapshot() const;
  std::optional<std::string> get(std::string_view name) const;
  // Typed get: integers and floating point via from_chars, bool from true/false/1/0, strings as
  // they are. nullopt when missing or not parseable.
  template <class T>
  std::optional<T> get_as(std::string_view name) const {
    auto raw = get(name);
    if (!raw) return std::nullopt;
    if constexpr (std::is_same_v<T, std::string>) {
      return raw;
    } else if constexpr (std::is_same_v<T, bool>) {
      if (*raw == "true" || *raw == "1") return true;
      if (*raw == "false" || *raw == "0") return false;
      return std::nullopt;
    } else {
      T out{};
      auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), out);
      if (ec != std::errc() || p != raw->data() + raw->size()) return std::nullopt;
      return out;
    }
  }
  // Waits until the snapshot arrived (true) or `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout) const;
  std::uint64_t resync_count() const;

 private:
  void on_event(const WatchEvent& ev);
  std::string relative(const std::string& key) const;
  void load(const Node& node, std::map<std::string, std::string>& out) const;

  // Shared with the frame of on_event: a callback may destroy this watcher, and the frame then
  // still owns the callback it runs and stops before touching any member.
  struct CallbackState {
    Callback callback;
    std::atomic<bool> destroyed{false};
  };

  const std::string dir_;
  const std::shared_ptr<CallbackState> callback_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, std::string> values_;  // guarded by mu_
  bool ready_ = false;                         // guarded by mu_
  std::unique_ptr<Watcher> watcher_;
};

}  // namespace coord::recipes
