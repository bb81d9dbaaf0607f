// EventHistory: the last 1000 events of the whole store, for watches that start from a past
// waitIndex (etcd 3.4's v2 API). Every index the store hands out has a slot, so slots are
// consecutive and a waitIndex maps to a position by subtraction, as in etcd. Slots of internal
// changes (membership) and refreshes are kept but never match a scan. Not thread-safe (owned by
// Store); scan() only reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/event.hpp"

namespace coord::store {

class EventHistory {
 public:
  static constexpr std::size_t kCapacity = 1000;

  explicit EventHistory(std::size_t capacity = kCapacity);

  // Records the change that produced index `index` (must follow the last one when not empty).
  // `event` is null for internal changes that no user watch can see.
  void add(std::uint64_t index, EventPtr event);
  // Forgets everything (after a snapshot recovery the indexes jump).
  void clear();

  struct ScanResult {
    EventPtr event;                                // the first match at or after `since`
    std::optional<std::uint64_t> cleared_start;    // set when `since` is older than history
  };
  // The first event with index >= since that a watch on `key` would see; null when none (the
  // watch must wait). `cleared_start` is the oldest kept index when `since` is too old.
  ScanResult scan(std::string_view key, bool recursive, std::uint64_t since) const;

  std::size_t size() const { return size_; }
  std::uint64_t start_index() const;   // 0 when empty
  std::uint64_t last_index() const;    // 0 when empty

  // Whether a watch on `key` sees `e` when scanning history (exact key; recursive prefix with a
  // trailing '/'; a deleted or expired dir reaches any key it is a byte prefix of).
  static bool matches(const Event& e, std::string_view key, bool recursive);

 private:
  struct Slot {
    std::uint64_t index = 0;
    EventPtr event;
  };
  std::vector<Slot> ring_;
  std::size_t front_ = 0;
  std::size_t size_ = 0;
};

}  // namespace coord::store
