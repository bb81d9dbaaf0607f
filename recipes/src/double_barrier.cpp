// DoubleBarrier: entries + a create-once `ready` key; enter and leave both read the directory
// (quorum) and, while their condition does not hold, watch it from the read's index + 1 (the
// loop is shared with Barrier: recipes/src/barrier_dir.hpp). Watches last at most 2 s, so that a
// lost entry of ours is noticed soon.
#include "coord/recipes/double_barrier.hpp"

#include "coord/error.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "recipes/src/barrier_dir.hpp"

namespace coord::recipes {

using detail::Clock;

struct DoubleBarrier::State {
  Client* client;
  std::string dir;
  std::size_t count;
  DoubleBarrierOptions options;
  std::unique_ptr<detail::QueueEntry> entry;
  bool left = false;

  bool wait(std::optional<Clock::time_point> deadline,
            const std::function<std::optional<bool>(const detail::BarrierView&)>& done) {
    return detail::wait_on_barrier(*client, dir, deadline, std::chrono::seconds(2), [this] { check_own_entry(); }, done);
  }
  void check_own_entry() const {
    if (entry && !left && entry->lost()) {
      throw RecipeError(RecipeError::Kind::kSessionExpired, "coord recipes: our double-barrier entry " + entry->key() + " was lost");
    }
  }
};

DoubleBarrier::DoubleBarrier(Client& client, std::string name, std::size_t count, DoubleBarrierOptions options)
    : s_(std::make_unique<State>()) {
  s_->client = &client;
  s_->dir = detail::join_key(options.prefix, name);
  s_->count = count;
  s_->options = std::move(options);
}

DoubleBarrier::~DoubleBarrier() = default;  // the QueueEntry leaves
DoubleBarrier::DoubleBarrier(DoubleBarrier&&) noexcept = default;
DoubleBarrier& DoubleBarrier::operator=(DoubleBarrier&&) noexcept = default;

bool DoubleBarrier::enter(std::chrono::milliseconds timeout) {
  State& s = *s_;
  if (s.left) throw RecipeError(RecipeError::Kind::kState, "DoubleBarrier: enter() after leave()");
  std::optional<Clock::time_point> deadline;
  if (timeout != std::chrono::milliseconds::max()) deadline = Clock::now() + timeout;
  if (!s.entry) s.entry = detail::join_barrier(*s.client, s.dir, s.options.ttl);
  return s.wait(deadline, [&](const detail::BarrierView& v) { return detail::ready_or_open(*s.client, s.dir, s.count, v); });
}

bool DoubleBarrier::leave(std::chrono::milliseconds timeout) {
  State& s = *s_;
  if (!s.entry) throw RecipeError(RecipeError::Kind::kState, "DoubleBarrier: leave() before enter()");
  std::optional<Clock::time_point> deadline;
  if (timeout != std::chrono::milliseconds::max()) deadline = Clock::now() + timeout;
  if (!s.left) {
    s.check_own_entry();  // a lost entry means the others may already have gone on without us
    s.entry->leave();
    s.left = true;
  }
  return s.wait(deadline, [](const detail::BarrierView& v) -> std::optional<bool> { return v.participants.empty(); });
}

void DoubleBarrier::reset(Client& client, std::string name, DoubleBarrierOptions options) {
  detail::reset_barrier(client, detail::join_key(options.prefix, name));
}

}  // namespace coord::recipes
