// SequencedLock: a QueueEntry with one slot (or, for ReadWriteLock's readers, blocked only by
// the nearest writer before it).
#include "coord/recipes/sequenced_lock.hpp"

#include <atomic>
#include <mutex>
#include <string_view>
#include <vector>

#include "coord/error.hpp"
#include "coord/recipes/lease.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

struct SequencedLock::State {
  Client* client;
  std::string dir;
  std::string token;
  SequencedLockOptions options;  // options.on_lost moved into on_lost
  detail::SharedCallback<void(const std::string&)> on_lost;
  detail::QueueRole role = detail::QueueRole::kExclusive;
  std::unique_ptr<detail::QueueEntry> entry;  // owner thread
  // Any thread reads these; the owner thread writes them.
  std::atomic<std::shared_ptr<Lease>> lease;  // of the current (or last) acquisition, once granted
  std::atomic<std::uint64_t> fencing{0};
  std::atomic<bool> lost_before_release{false};
  mutable std::mutex key_mu;
  std::string key;  // guarded by key_mu
};

SequencedLock::SequencedLock(Client& client, std::string name, SequencedLockOptions options)
    : SequencedLock(client, std::move(name), std::move(options), detail::QueueRole::kExclusive) {}

SequencedLock::SequencedLock(Client& client, std::string name, SequencedLockOptions options, detail::QueueRole role)
    : s_(std::make_unique<State>()) {
  s_->client = &client;
  s_->dir = detail::join_key(options.prefix, name);
  s_->token = make_owner_token();
  s_->on_lost = detail::share_callback(std::move(options.on_lost));
  s_->options = std::move(options);
  s_->role = role;
}

namespace {

constexpr std::string_view kWriterTag = "write:";
constexpr std::string_view kReaderTag = "read:";

std::string entry_value(detail::QueueRole role, const std::string& token) {
  switch (role) {
    case detail::QueueRole::kWriter: return std::string(kWriterTag) + token;
    case detail::QueueRole::kReader: return std::string(kReaderTag) + token;
    case detail::QueueRole::kExclusive: break;
  }
  return token;
}

// A reader waits only for the nearest writer before it (readers share); anyone else for its
// predecessor. Both watch exactly one key, so a release wakes only those it unblocks.
detail::QueueEntry::BlockerOf blocker_for(detail::QueueRole role) {
  using detail::QueuedNode;
  return [role](const std::vector<QueuedNode>& entries, std::size_t position) -> std::optional<detail::QueueEntry::Blocker> {
    if (role != detail::QueueRole::kReader) {
      if (position == 0) return std::nullopt;
      return detail::QueueEntry::Blocker{entries[position - 1].key, false};
    }
    for (std::size_t i = position; i-- > 0;) {
      if (entries[i].value.rfind(kWriterTag, 0) == 0) return detail::QueueEntry::Blocker{entries[i].key, false};
    }
    return std::nullopt;
  };
}

}  // namespace

SequencedLock::~SequencedLock() {
  if (s_) unlock();
}

SequencedLock::SequencedLock(SequencedLock&&) noexcept = default;

SequencedLock& SequencedLock::operator=(SequencedLock&& other) noexcept {
  if (this != &other) {
    if (s_) unlock();
    s_ = std::move(other.s_);
  }
  return *this;
}

void SequencedLock::lock() { acquire(std::nullopt); }
bool SequencedLock::try_lock() { return acquire(Clock::now()); }

bool SequencedLock::acquire(std::optional<Clock::time_point> deadline) {
  State& s = *s_;
  if (s.entry) throw RecipeError(RecipeError::Kind::kState, "SequencedLock: already queued or held by this object");
  s.lease.store(nullptr);  // a new acquisition: nothing granted yet
  State* sp = &s;
  s.entry = std::make_unique<detail::QueueEntry>(*s.client, s.dir, s.options.ttl, entry_value(s.role, s.token),
                                                 [sp, on_lost = s.on_lost](const std::string& why) {
                                                   // Only a granted lock is reported lost. The
                                                   // callback may destroy the lock (and sp).
                                                   if (on_lost && sp->lease.load()) (*on_lost)(why);
                                                 });
  try {
    s.entry->enqueue();
    {
      std::lock_guard lock(s.key_mu);
      s.key = s.entry->key();
    }
    if (!s.entry->wait_until_unblocked(blocker_for(s.role), deadline)) {
      s.entry.reset();  // leaves the queue so that our successor is not blocked
      return false;
    }
  } catch (...) {
    s.entry.reset();
    throw;
  }
  s.fencing = s.entry->created_index();
  s.lost_before_release = false;
  s.lease = s.entry->lease();
  return true;
}

void SequencedLock::unlock() {
  if (!s_ || !s_->entry) return;
  auto lease = s_->lease.load();
  bool was_granted = lease != nullptr;
  // Not held any more by our own rule (lost, or past the deadline), or the entry was gone from
  // the server: the critical section may have overlapped another holder's.
  if (was_granted && !lease->held()) s_->lost_before_release = true;
  bool entry_was_ours = s_->entry->leave();  // ends the lease, removes our entry (wakes our successor)
  if (was_granted && !entry_was_ours) s_->lost_before_release = true;
  s_->entry.reset();
}

std::uint64_t SequencedLock::fencing_token() const { return s_->fencing.load(); }

bool SequencedLock::owns_lock() const {
  if (!s_) return false;
  auto lease = s_->lease.load();
  return lease && lease->held();
}

std::chrono::milliseconds SequencedLock::valid_for() const {
  if (!s_) return std::chrono::milliseconds(0);
  auto lease = s_->lease.load();
  return lease ? lease->valid_for() : std::chrono::milliseconds(0);
}

std::stop_token SequencedLock::stop_token() const {
  auto lease = s_ ? s_->lease.load() : nullptr;
  return lease ? lease->stop_token() : std::stop_token{};
}

bool SequencedLock::lost_before_release() const { return s_->lost_before_release.load(); }
const std::string& SequencedLock::directory() const { return s_->dir; }
const std::string& SequencedLock::owner_token() const { return s_->token; }

std::string SequencedLock::key() const {
  std::lock_guard lock(s_->key_mu);
  return s_->key;
}

}  // namespace coord::recipes
