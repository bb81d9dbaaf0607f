// Semaphore: a QueueEntry with `permits` slots.
#include "coord/recipes/semaphore.hpp"

#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

struct Semaphore::State {
  Client* client;
  std::string dir;
  std::size_t permits;
  SemaphoreOptions options;
  std::unique_ptr<detail::QueueEntry> entry;
  bool held = false;
};

Semaphore::Semaphore(Client& client, std::string name, std::size_t permits, SemaphoreOptions options)
    : s_(std::make_unique<State>()) {
  if (permits == 0) throw std::invalid_argument("coord::recipes::Semaphore: permits must be at least 1");
  s_->client = &client;
  s_->dir = detail::join_key(options.prefix, name);
  s_->permits = permits;
  s_->options = std::move(options);
}

Semaphore::~Semaphore() {
  if (s_) release();
}
Semaphore::Semaphore(Semaphore&&) noexcept = default;
Semaphore& Semaphore::operator=(Semaphore&& other) noexcept {
  if (this != &other) {
    if (s_) release();
    s_ = std::move(other.s_);
  }
  return *this;
}

void Semaphore::acquire() { acquire_until(std::nullopt); }
bool Semaphore::try_acquire() { return acquire_until(Clock::now()); }

bool Semaphore::acquire_until(std::optional<Clock::time_point> deadline) {
  State& s = *s_;
  if (s.entry) throw RecipeError(RecipeError::Kind::kState, "Semaphore: this object already holds or waits for a permit");
  s.entry = std::make_unique<detail::QueueEntry>(*s.client, s.dir, s.options.ttl, make_owner_token(), nullptr);
  try {
    s.entry->enqueue();
    if (!s.entry->wait_turn(s.permits, deadline)) {
      s.entry.reset();
      return false;
    }
  } catch (...) {
    s.entry.reset();
    throw;
  }
  s.held = true;
  return true;
}

void Semaphore::release() {
  s_->held = false;
  s_->entry.reset();
}

bool Semaphore::holds() const { return s_ && s_->held && s_->entry && !s_->entry->lost(); }
std::size_t Semaphore::permits() const { return s_->permits; }

std::size_t Semaphore::queued() const {
  return detail::QueueEntry::list(*s_->client, s_->dir, nullptr, std::chrono::seconds(5)).size();
}

}  // namespace coord::recipes
