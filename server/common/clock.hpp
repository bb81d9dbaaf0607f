// Time as the server sees it. Pure modules (store, apply, raft) never read a clock: they take
// times as arguments. Runtime components take a Clock& in their constructor so tests can drive
// time by hand. SystemClock is thread-safe; ManualClock is for single-threaded tests.
#pragma once

#include <chrono>
#include <cstdint>

namespace coord {

// Wall-clock time: nanoseconds since the Unix epoch, UTC. TTL expirations are stored this way
// so that every member computes the same expiry from the same log entry.
using UnixNanos = std::int64_t;
constexpr UnixNanos kNanosPerSecond = 1'000'000'000;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (for TTL expirations shown to users).
  virtual UnixNanos now() const = 0;
  // Monotonic time (for timeouts and tick scheduling); never goes back.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixNanos now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixNanos start = 1'700'000'000 * kNanosPerSecond) : now_(start) {}
  UnixNanos now() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now_));
  }
  void advance(std::chrono::nanoseconds d) { now_ += d.count(); }
  void set(UnixNanos t) { now_ = t; }

 private:
  UnixNanos now_;
};

}  // namespace coord
