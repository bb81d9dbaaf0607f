// coord::recipes::DistributedLock — an exclusive lock on one TTL'd key (recipes.md §4.3). Meets
// the standard Lockable requirements, so std::lock_guard, std::unique_lock and try_lock_for work.
// The holder's key holds a unique owner token; the shared Refresher keeps it alive with
// owner-checked refreshes. fencing_token() is the key's createdIndex, strictly increasing across
// holders. owns_lock() follows the lease rule of lease.hpp: it is true only before the send time
// of the last acknowledged refresh + TTL − margin, so a holder that is partitioned or paused stops
// believing it holds before the server can give the lock to anyone else. On loss (server answer
// or local deadline) stop_token() is requested and LockOptions::on_lost runs, both on the
// refresher's notification thread. A create whose outcome is unknown is adopted when the key
// holds our token (never waited on as someone else's lock).
// Waiting watches the key from the index of the failed create, so a release cannot be missed;
// every waiter wakes on a release (a herd): prefer SequencedLock under contention.
//
// Thread-safety: one DistributedLock is one lock owner; use it from one thread at a time (like
// a std::mutex owned by one thread). owns_lock(), fencing_token() and valid_for() may be called
// from any thread. Move-only. The destructor releases a held lock (bounded by release_timeout)
// and never throws. The Client must outlive the lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"

namespace coord::recipes {

struct LockOptions {
  std::chrono::seconds ttl{10};          // lease TTL of the holder's key
  std::string prefix = kLocksPrefix;   // the lock's key is prefix/name
  // Runs once, on the refresher's notification thread, when a held lease is lost (with the reason).
  std::function<void(const std::string& reason)> on_lost;
  std::chrono::milliseconds release_timeout{2000};  // bound of the release in unlock()/destructor
};

class DistributedLock {
 public:
  using Clock = std::chrono::steady_clock;

  DistributedLock(Client& client, std::string name, LockOptions options = {});
  ~DistributedLock();
  DistributedLock(DistributedLock&&) noexcept;
  DistributedLock& operator=(DistributedLock&&) noexcept;

  // Blocks until the lock is held. Throws coord::Error for unexpected server answers,
  // TransportError when the client gives up for good (cancelled, shut down, other cluster), and
  // RecipeError::kState when this object already holds the lock.
  void lock();
  // One attempt: true when the lock is now held.
  bool try_lock();
  // Waits up to the deadline; false when it passed without the lock.
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d) {
    return acquire(Clock::now() + std::chrono::duration_cast<Clock::duration>(d));
  }
  template <class C, class D>
  bool try_lock_until(const std::chrono::time_point<C, D>& t) {
    return acquire(Clock::now() + std::chrono::duration_cast<Clock::duration>(t - C::now()));
  }
  // Releases (owner-checked delete). Never throws; a lease already lost is recorded in
  // lost_before_release().
  void unlock();

  // createdIndex of our key while held (kept after unlock, 0 before the first acquisition).
  std::uint64_t fencing_token() const;
  // True while held and before the lease deadline (see lease.hpp); false once lost or released.
  bool owns_lock() const;
  // Requested when the current (or last) acquisition's lease is lost; a token that is never
  // requested before the first acquisition.
  std::stop_token stop_token() const;
  // Time left before the local lease deadline (zero when not held).
  std::chrono::milliseconds valid_for() const;
  // True when the last unlock() found the lease already gone (the critical section may have
  // overlapped another holder's).
  bool lost_before_release() const;
  const std::string& key() const;
  const std::string& owner_token() const;

  struct State;

 private:
  bool acquire(std::optional<Clock::time_point> deadline);
  std::unique_ptr<State> s_;
};

}  // namespace coord::recipes
