// ReadWriteLock: two SequencedLocks on one directory, with reader and writer roles.
#include "coord/recipes/read_write_lock.hpp"

namespace coord::recipes {

namespace {
SequencedLockOptions lock_options(const ReadWriteLockOptions& o) {
  return SequencedLockOptions{.ttl = o.ttl, .prefix = o.prefix, .on_lost = o.on_lost};
}
}  // namespace

ReadWriteLock::ReadWriteLock(Client& client, std::string name, ReadWriteLockOptions options)
    : read_(client, name, lock_options(options), detail::QueueRole::kReader),
      write_(client, name, lock_options(options), detail::QueueRole::kWriter) {}

}  // namespace coord::recipes
