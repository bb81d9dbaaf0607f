// Barrier: entries + a create-once `ready` key; waiters watch the directory recursively (the
// loop is shared with DoubleBarrier: recipes/src/barrier_dir.hpp).
#include "coord/recipes/barrier.hpp"

#include "coord/error.hpp"
#include "recipes/src/barrier_dir.hpp"

namespace coord::recipes {

using detail::Clock;

struct Barrier::State {
  Client* client;
  std::string dir;
  std::size_t count;
  BarrierOptions options;
  std::unique_ptr<detail::QueueEntry> entry;
};

Barrier::Barrier(Client& client, std::string name, std::size_t count, BarrierOptions options)
    : s_(std::make_unique<State>()) {
  s_->client = &client;
  s_->dir = detail::join_key(options.prefix, name);
  s_->count = count;
  s_->options = std::move(options);
}

Barrier::~Barrier() = default;  // the QueueEntry leaves the queue
Barrier::Barrier(Barrier&&) noexcept = default;
Barrier& Barrier::operator=(Barrier&&) noexcept = default;

bool Barrier::opened() const {
  try {
    s_->client->get(s_->dir + "/ready", GetOptions{.quorum = true});
    return true;
  } catch (const Error& e) {
    if (e.error_code() == errc::kKeyNotFound) return false;
    throw;
  }
}

bool Barrier::arrive_and_wait(std::chrono::milliseconds timeout) {
  State& s = *s_;
  std::optional<Clock::time_point> deadline;
  if (timeout != std::chrono::milliseconds::max()) deadline = Clock::now() + timeout;
  if (!s.entry) s.entry = detail::join_barrier(*s.client, s.dir, s.options.ttl);
  return detail::wait_on_barrier(*s.client, s.dir, deadline, std::chrono::seconds(30), [] {},
                                 [&](const detail::BarrierView& v) { return detail::ready_or_open(*s.client, s.dir, s.count, v); });
}

void Barrier::reset(Client& client, std::string name, BarrierOptions options) {
  detail::reset_barrier(client, detail::join_key(options.prefix, name));
}

}  // namespace coord::recipes
