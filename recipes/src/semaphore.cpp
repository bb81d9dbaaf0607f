// Semaphore: a QueueEntry with `permits` slots.
#include "coord/recipes/semaphore.hpp"

#include <atomic>

#include "coord/recipes/lease.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

struct Semaphore::State {
  Client* client;
  std::string dir;
  std::size_t permits;
  SemaphoreOptions options;  // options.on_lost moved into on_lost
  detail::SharedCallback<void(const std::string&)> on_lost;
  std::unique_ptr<detail::QueueEntry> entry;  // owner thread
  // Any thread reads these; the owner thread writes them.
  std::atomic<std::shared_ptr<Lease>> lease;  // of the current (or last) permit, once granted
  std::atomic<std::uint64_t> fencing{0};
};

Semaphore::Semaphore(Client& client, std::string name, std::size_t permits, SemaphoreOptions options)
    : s_(std::make_unique<State>()) {
  if (permits == 0) throw std::invalid_argument("coord::recipes::Semaphore: permits must be at least 1");
  s_->client = &client;
  s_->dir = detail::join_key(options.prefix, name);
  s_->permits = permits;
  s_->on_lost = detail::share_callback(std::move(options.on_lost));
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
  s.lease.store(nullptr);
  State* sp = &s;
  s.entry = std::make_unique<detail::QueueEntry>(*s.client, s.dir, s.options.ttl, make_owner_token(),
                                                 [sp, on_lost = s.on_lost](const std::string& why) {
                                                   // Only a granted permit is reported lost. The
                                                   // callback may destroy the semaphore (and sp).
                                                   if (on_lost && sp->lease.load()) (*on_lost)(why);
                                                 });
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
  s.fencing = s.entry->created_index();
  s.lease = s.entry->lease();
  return true;
}

void Semaphore::release() { s_->entry.reset(); }  // leave(): ends the lease, removes our entry

bool Semaphore::holds() const {
  if (!s_) return false;
  auto lease = s_->lease.load();
  return lease && lease->held();
}

std::stop_token Semaphore::stop_token() const {
  auto lease = s_ ? s_->lease.load() : nullptr;
  return lease ? lease->stop_token() : std::stop_token{};
}

std::uint64_t Semaphore::fencing_token() const { return s_->fencing.load(); }
std::size_t Semaphore::permits() const { return s_->permits; }

std::size_t Semaphore::queued() const {
  return detail::QueueEntry::list(*s_->client, s_->dir, nullptr, std::chrono::seconds(5)).size();
}

}  // namespace coord::recipes
