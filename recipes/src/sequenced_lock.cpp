// SequencedLock: a QueueEntry with one slot.
#include "coord/recipes/sequenced_lock.hpp"

#include <atomic>

#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

struct SequencedLock::State {
  Client* client;
  std::string dir;
  SequencedLockOptions options;
  std::unique_ptr<detail::QueueEntry> entry;  // owner thread
  std::atomic<bool> held{false};
  std::atomic<std::uint64_t> fencing{0};
};

SequencedLock::SequencedLock(Client& client, std::string name, SequencedLockOptions options)
    : s_(std::make_unique<State>()) {
  s_->client = &client;
  s_->dir = detail::join_key(options.prefix, name);
  s_->options = std::move(options);
}

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
  State* sp = &s;
  s.entry = std::make_unique<detail::QueueEntry>(*s.client, s.dir, s.options.ttl, make_owner_token(),
                                                 [sp](const std::string& why) {
                                                   sp->held = false;
                                                   if (sp->options.on_lost) sp->options.on_lost(why);
                                                 });
  try {
    s.entry->enqueue();
    if (!s.entry->wait_turn(1, deadline)) {
      s.entry.reset();  // leaves the queue so that our successor is not blocked
      return false;
    }
  } catch (...) {
    s.entry.reset();
    throw;
  }
  s.fencing = s.entry->created_index();
  s.held = true;
  return true;
}

void SequencedLock::unlock() {
  s_->held = false;
  s_->entry.reset();
}

std::uint64_t SequencedLock::fencing_token() const { return s_->fencing.load(); }
bool SequencedLock::owns_lock() const { return valid_for() > std::chrono::milliseconds(0); }

std::chrono::milliseconds SequencedLock::valid_for() const {
  if (!s_ || !s_->held || !s_->entry) return std::chrono::milliseconds(0);
  auto until = s_->entry->valid_until();
  if (!until) return std::chrono::milliseconds(0);
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(*until - Clock::now()));
}

const std::string& SequencedLock::directory() const { return s_->dir; }

}  // namespace coord::recipes
