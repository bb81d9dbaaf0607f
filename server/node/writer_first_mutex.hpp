// WriterFirstMutex: a reader/writer lock on which a waiting writer goes before readers that
// arrive after it. The store lock needs it: glibc's default rwlock (what std::shared_mutex
// wraps) lets new readers in while a writer waits, so clients looping long recursive GETs can
// keep at least one reader inside at every instant and hold the raft thread (the only writer)
// out for good — no write, tick or heartbeat would run. With writers first, a writer waits at
// most for the readers already inside; the readers queued behind it run right after.
//
// Satisfies the standard SharedMutex requirements (use with std::unique_lock and
// std::shared_lock). Thread-safe. Not recursive: a thread must not take the shared lock twice
// (with a writer waiting in between, the second would wait for that writer, which waits for
// the first).
#pragma once

#include <pthread.h>

#include "server/common/check.hpp"

namespace coord::node {

class WriterFirstMutex {
 public:
  WriterFirstMutex() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    // glibc honours writer preference only for the non-recursive kind.
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    COORD_CHECK(pthread_rwlock_init(&lock_, &attr) == 0, "rwlock init failed");
    pthread_rwlockattr_destroy(&attr);
  }
  ~WriterFirstMutex() { pthread_rwlock_destroy(&lock_); }
  WriterFirstMutex(const WriterFirstMutex&) = delete;
  WriterFirstMutex& operator=(const WriterFirstMutex&) = delete;

  void lock() { COORD_CHECK(pthread_rwlock_wrlock(&lock_) == 0, "rwlock wrlock failed"); }
  bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }
  void unlock() { pthread_rwlock_unlock(&lock_); }

  void lock_shared() { COORD_CHECK(pthread_rwlock_rdlock(&lock_) == 0, "rwlock rdlock failed"); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

}  // namespace coord::node
