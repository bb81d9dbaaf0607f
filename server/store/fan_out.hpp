// FanOut: the watch sinks that events must reach, collected by WatcherHub::notify under the
// store's lock, and run (run()) by whoever owns it, with that lock or (NodeCore) without it.
// Not thread-safe: one thread fills it and runs it; what it holds may be removed from the hub
// meanwhile, by another thread, under the store's lock (WatcherHub::remove), which it survives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "server/store/event.hpp"

namespace coord::store {

using WatchId = std::uint64_t;
// Called with each matching event. Return false to be removed (a stream watcher; a one-shot one
// is removed after its first event anyway). Must not block. It may run after the watcher was
// removed (an unwatch racing a fan-out already collected): what it feeds must stay harmless then.
using WatchSink = std::function<bool(const EventPtr&)>;

// Holds each sink by shared_ptr: a watcher removed before run() cannot free its sink under it.
class FanOut {
 public:
  bool empty() const { return targets_.empty(); }
  std::size_t size() const { return targets_.size(); }
  // Calls every sink with its event, in the order collected: events in the order they were
  // published (index order), each event's watchers in the hub's order. A stream watcher whose
  // sink returns false gets nothing more from this FanOut; the ids of those are returned, for
  // the caller to remove (WatcherHub::remove) under the store's lock. Leaves the FanOut empty.
  std::vector<WatchId> run();

 private:
  friend class WatcherHub;
  struct Target {
    std::shared_ptr<const WatchSink> sink;
    WatchId id;
    bool stream;
    std::uint32_t event;  // index into events_
  };
  std::vector<EventPtr> events_;
  std::vector<Target> targets_;
};

}  // namespace coord::store
