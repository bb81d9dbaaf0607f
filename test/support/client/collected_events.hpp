// CollectedEvents: what a coord::Watcher delivered, for tests to wait on. Its callback may run
// on the watcher's thread while the test thread waits; both sides lock `mu`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "coord/watcher.hpp"

namespace coord::test {

struct CollectedEvents {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<WatchEvent> events;

  Watcher::Callback callback() {
    return [this](const WatchEvent& e) {
      std::lock_guard lock(mu);
      events.push_back(e);
      cv.notify_all();
    };
  }
  // Bounded wait for at least `n` events.
  bool wait_for(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return events.size() >= n; });
  }
  std::vector<WatchEvent> copy() {
    std::lock_guard lock(mu);
    return events;
  }
};

}  // namespace coord::test
