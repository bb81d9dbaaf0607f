// coord::recipes::SequencedLock — a fair FIFO lock over in-order keys (recipes.md §4.4). Each
// acquisition POSTs a TTL'd entry into the lock's directory; entries are granted strictly in
// createdIndex order, and each waiter watches only its predecessor, so a release wakes exactly one
// waiter. A waiter whose own entry expires (e.g. its refreshes failed) stops waiting with
// RecipeError::kSessionExpired. Same surface as DistributedLock (Lockable; fencing_token() is the
// entry's createdIndex, i.e. the request order; owns_lock() follows the lease rule of lease.hpp,
// so a partitioned or paused holder stops believing it holds before its entry can expire on the
// server; stop_token() is requested and on_lost runs on the refresher's notification thread).
//
// Thread-safety: one owner thread at a time; owns_lock()/fencing_token()/valid_for() from any
// thread. Move-only. The destructor releases (bounded) and never throws. The Client must outlive it.
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

class ReadWriteLock;

namespace detail {
// How an entry of a queue lock is granted: kExclusive/kWriter when it is first, kReader when no
// writer precedes it (ReadWriteLock). Writer and reader entries carry "write:"/"read:" before
// the owner token, so every waiter can tell them apart.
enum class QueueRole { kExclusive, kWriter, kReader };
}  // namespace detail

struct SequencedLockOptions {
  std::chrono::seconds ttl{10};
  std::string prefix = kSequencedLocksPrefix;  // the queue directory is prefix/name
  std::function<void(const std::string& reason)> on_lost;  // on the refresher's notification thread
};

class SequencedLock {
 public:
  using Clock = std::chrono::steady_clock;

  SequencedLock(Client& client, std::string name, SequencedLockOptions options = {});
  ~SequencedLock();
  SequencedLock(SequencedLock&&) noexcept;
  SequencedLock& operator=(SequencedLock&&) noexcept;

  // Queues and waits for our turn. Throws RecipeError::kSessionExpired when our entry expired
  // while waiting, client errors otherwise.
  void lock();
  // Queues, looks once; when not first, leaves the queue and returns false.
  bool try_lock();
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d) {
    return acquire(Clock::now() + std::chrono::duration_cast<Clock::duration>(d));
  }
  template <class C, class D>
  bool try_lock_until(const std::chrono::time_point<C, D>& t) {
    return acquire(Clock::now() + std::chrono::duration_cast<Clock::duration>(t - C::now()));
  }
  // Removes our entry (wakes only our successor). Never throws.
  void unlock();

  std::uint64_t fencing_token() const;
  // True while held and before the lease deadline (see lease.hpp).
  bool owns_lock() const;
  std::chrono::milliseconds valid_for() const;
  // Requested when the current (or last) acquisition's lease is lost.
  std::stop_token stop_token() const;
  // True when the last unlock() found the lease already gone (the critical section may have
  // overlapped another holder's).
  bool lost_before_release() const;
  const std::string& directory() const;
  // Our entry's key while queued or held (empty before the first acquisition).
  std::string key() const;
  // The unique value of our entries.
  const std::string& owner_token() const;

  struct State;

 private:
  friend class ReadWriteLock;
  SequencedLock(Client& client, std::string name, SequencedLockOptions options, detail::QueueRole role);
  bool acquire(std::optional<Clock::time_point> deadline);
  std::unique_ptr<State> s_;
};

}  // namespace coord::recipes
