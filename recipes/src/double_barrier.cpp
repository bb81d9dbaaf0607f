// DoubleBarrier: entries + a create-once `ready` key; enter and leave both read the directory
// (quorum) and, while their condition does not hold, watch it from the read's index + 1.
#include "coord/recipes/double_barrier.hpp"

#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "coord/error.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

using detail::Clock;

struct DoubleBarrier::State {
  Client* client;
  std::string dir;
  std::size_t count;
  DoubleBarrierOptions options;
  std::unique_ptr<detail::QueueEntry> entry;
  bool left = false;

  // What one quorum read of the directory shows.
  struct View {
    bool ready = false;
    std::set<std::string> participants;  // distinct entry values
  };

  // Reads the directory until `done(view)` holds (true) or `deadline` passes (false). `done` may
  // act (create `ready`); it returns nullopt to read again at once.
  bool wait(std::optional<Clock::time_point> deadline, const std::function<std::optional<bool>(const View&)>& done);
  void check_own_entry() const {
    if (entry && !left && entry->lost()) {
      throw RecipeError(RecipeError::Kind::kSessionExpired, "coord recipes: our double-barrier entry " + entry->key() + " was lost");
    }
  }
};

bool DoubleBarrier::State::wait(std::optional<Clock::time_point> deadline,
                                const std::function<std::optional<bool>(const View&)>& done) {
  for (;;) {
    check_own_entry();
    if (detail::passed(deadline)) return false;
    Response r;
    View view;
    try {
      r = client->get(dir, GetOptions{.recursive = true, .quorum = true,
                                      .timeout = detail::call_timeout(deadline, std::chrono::seconds(5))});
      for (const Node& n : r.node.nodes) {
        if (n.key == dir + "/ready") view.ready = true;
        if (n.key == dir + "/entries") {
          for (const Node& e : n.nodes) {
            if (!e.dir) view.participants.insert(e.value.value_or(e.key));
          }
        }
      }
    } catch (const Error& e) {
      if (e.error_code() != errc::kKeyNotFound) throw;
      r.etcd_index = e.index();  // nothing there yet (or any more): an empty view
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff, not synchronization
      continue;
    }
    auto verdict = done(view);
    if (!verdict) continue;
    if (*verdict) return true;
    try {
      client->watch(dir, WatchOptions{.wait_index = r.etcd_index + 1, .recursive = true,
                                      .timeout = detail::call_timeout(deadline, std::chrono::seconds(2))});
    } catch (const Error& e) {
      // 401 (history cleared) and 400 (watcher cleared, e.g. by a restart): read again.
      if (e.error_code() != errc::kEventIndexCleared && e.error_code() != errc::kWatcherCleared) throw;
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
    }
  }
}

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
  if (!s.entry) {
    auto entry = std::make_unique<detail::QueueEntry>(*s.client, s.dir + "/entries", s.options.ttl, make_owner_token(), nullptr);
    entry->enqueue();
    s.entry = std::move(entry);
  }
  return s.wait(deadline, [&](const State::View& v) -> std::optional<bool> {
    if (v.ready) return true;
    if (v.participants.size() < s.count) return false;
    try {
      s.client->create(s.dir + "/ready", "1");
      return true;
    } catch (const Error& e) {
      if (e.error_code() == errc::kNodeExist) return true;
      throw;
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
      return std::nullopt;  // read again: the create may have happened
    }
  });
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
  return s.wait(deadline, [](const State::View& v) -> std::optional<bool> { return v.participants.empty(); });
}

void DoubleBarrier::reset(Client& client, std::string name, DoubleBarrierOptions options) {
  try {
    client.remove(detail::join_key(options.prefix, name), DeleteOptions{.dir = true, .recursive = true});
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
  }
}

}  // namespace coord::recipes
