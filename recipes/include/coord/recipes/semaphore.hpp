// coord::recipes::Semaphore — at most `permits` holders at once, over in-order TTL'd entries in
// one directory (recipes.md §4.4 variant): an entry is granted while fewer than `permits` entries
// precede it. Waiters watch the directory (a herd bounded to the waiters of this semaphore). A
// holder or waiter that dies frees its place after its TTL. Every participant must use the same
// permit count. One Semaphore object holds at most one permit; it is Lockable
// (lock/try_lock/unlock alias acquire/try_acquire/release), so std::lock_guard works.
// holds() follows the lease rule of lease.hpp: a partitioned or paused holder stops believing it
// holds before its entry can expire on the server and free the permit for someone else.
//
// Thread-safety: one owner thread at a time; holds(), stop_token() and fencing_token() from any
// thread. Move-only. The destructor releases (bounded) and
// never throws. The Client must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"

namespace coord::recipes {

struct SemaphoreOptions {
  std::chrono::seconds ttl{10};
  std::string prefix = kSemaphoresPrefix;
  // Runs once, on the refresher's notification thread, when a held permit's lease is lost.
  std::function<void(const std::string& reason)> on_lost;
};

class Semaphore {
 public:
  using Clock = std::chrono::steady_clock;

  Semaphore(Client& client, std::string name, std::size_t permits, SemaphoreOptions options = {});
  ~Semaphore();
  Semaphore(Semaphore&&) noexcept;
  Semaphore& operator=(Semaphore&&) noexcept;

  void acquire();
  bool try_acquire();
  template <class Rep, class Period>
  bool try_acquire_for(const std::chrono::duration<Rep, Period>& d) {
    return acquire_until(Clock::now() + std::chrono::duration_cast<Clock::duration>(d));
  }
  void release();
  // True while a permit is held and before its lease deadline (see lease.hpp).
  bool holds() const;
  // Requested when the current (or last) permit's lease is lost.
  std::stop_token stop_token() const;
  // Our entry's createdIndex for the current (or last) permit: increases across acquisitions of
  // this semaphore, so it fences writes like a lock's token does.
  std::uint64_t fencing_token() const;

  void lock() { acquire(); }
  bool try_lock() { return try_acquire(); }
  void unlock() { release(); }

  std::size_t permits() const;
  // Entries (holders and waiters) currently in the directory.
  std::size_t queued() const;

  struct State;

 private:
  bool acquire_until(std::optional<Clock::time_point> deadline);
  std::unique_ptr<State> s_;
};

}  // namespace coord::recipes
