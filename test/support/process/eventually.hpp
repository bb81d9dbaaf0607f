// eventually(): the bounded wait on a condition that tests use where the condition lives in
// another process or thread (a member elected, a key applied, a callback run). It polls, and it
// never stands in for synchronization: the deadline only turns a hang into a failure.
// Header-only. Thread-safety: a free function; safe from any thread.
#pragma once

#include <chrono>
#include <thread>

namespace coord::test {

// True as soon as `predicate()` holds; false when it still does not hold after `timeout` (it
// is checked once more at the deadline). Re-checked every `poll`.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(poll);
  }
  return predicate();
}

}  // namespace coord::test
