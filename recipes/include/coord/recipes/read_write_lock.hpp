// coord::recipes::ReadWriteLock — a fair readers-writer lock over in-order keys (Curator's
// InterProcessReadWriteLock; the ZooKeeper recipe; recipes.md §4.4 variants). read_lock() and
// write_lock() are two SequencedLocks on one queue directory <prefix>/<name>: every acquisition
// POSTs a TTL'd entry tagged "read:" or "write:"; a writer is granted when its entry is first,
// a reader when no writer entry precedes it. So readers share, a writer is exclusive, and grants
// follow the queue order (a reader that arrives after a waiting writer waits for it: writers do
// not starve). Each waiter watches only the one entry that blocks it (a writer its predecessor,
// a reader the nearest writer before it), so a release wakes only the waiters it unblocks.
//
// Partitions and pauses: as SequencedLock (lease.hpp) — a holder partitioned or paused stops
// believing it holds (owns_lock() false, stop_token() requested) before its entry can expire on
// the server and let a conflicting holder in; fencing_token() is the entry's createdIndex, and
// every holder granted after a writer has a larger token than that writer's. A waiter whose own
// entry expired gives up with RecipeError::kSessionExpired. What it cannot do: stop a paused
// holder from acting when it resumes — downstream writes must carry the fencing token.
// Not reentrant, and neither upgrade nor downgrade: an object holding the read lock that asks
// for the write lock queues behind its own reader entry (and times out); release first.
//
// Thread-safety: each of the two locks as SequencedLock (one owner thread at a time; owns_lock()
// and the like from any thread). Move-only. The destructor releases both (bounded) and never
// throws. The Client must outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"
#include "coord/recipes/sequenced_lock.hpp"

namespace coord::recipes {

struct ReadWriteLockOptions {
  std::chrono::seconds ttl{10};
  std::string prefix = kReadWriteLocksPrefix;  // the queue directory is prefix/name
  std::function<void(const std::string& reason)> on_lost;  // either lock, once granted, was lost
};

class ReadWriteLock {
 public:
  ReadWriteLock(Client& client, std::string name, ReadWriteLockOptions options = {});

  // The shared side (Lockable: lock(), try_lock_for(), unlock(), owns_lock(), fencing_token()).
  SequencedLock& read_lock() { return read_; }
  // The exclusive side.
  SequencedLock& write_lock() { return write_; }

 private:
  SequencedLock read_;
  SequencedLock write_;
};

}  // namespace coord::recipes
