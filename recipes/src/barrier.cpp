// Barrier: entries + a create-once `ready` key; waiters watch the directory recursively.
#include "coord/recipes/barrier.hpp"

#include <set>
#include <thread>

#include "coord/error.hpp"
#include "coord/recipes/owner_token.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

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
  if (!s.entry) {
    auto entry = std::make_unique<detail::QueueEntry>(*s.client, s.dir + "/entries", s.options.ttl, make_owner_token(), nullptr);
    entry->enqueue();
    s.entry = std::move(entry);
  }
  for (;;) {
    if (detail::passed(deadline)) return false;
    Response r;
    try {
      r = s.client->get(s.dir, GetOptions{.recursive = true, .quorum = true,
                                          .timeout = detail::call_timeout(deadline, std::chrono::seconds(5))});
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff, not synchronization
      continue;
    }
    // Participants, not entries: a POST that landed twice (a late copy of an unresolved one)
    // holds the same unique value and counts once.
    std::set<std::string> arrived;
    for (const Node& n : r.node.nodes) {
      if (n.key == s.dir + "/ready") return true;
      if (n.key == s.dir + "/entries") {
        for (const Node& e : n.nodes) {
          if (!e.dir) arrived.insert(e.value.value_or(e.key));
        }
      }
    }
    if (arrived.size() >= s.count) {
      try {
        s.client->create(s.dir + "/ready", "1");
        return true;
      } catch (const Error& e) {
        if (e.error_code() == errc::kNodeExist) return true;
        throw;
      } catch (const TransportError& e) {
        if (detail::is_fatal(e)) throw;
        continue;  // read again: the create may have happened
      }
    }
    try {
      s.client->watch(s.dir, WatchOptions{.wait_index = r.etcd_index + 1, .recursive = true,
                                          .timeout = detail::call_timeout(deadline, std::chrono::seconds(30))});
    } catch (const Error& e) {
      // 401 (history cleared) and 400 (watcher cleared, e.g. by a restart): read again.
      if (e.error_code() != errc::kEventIndexCleared && e.error_code() != errc::kWatcherCleared) throw;
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
    }
  }
}

void Barrier::reset(Client& client, std::string name, BarrierOptions options) {
  try {
    client.remove(detail::join_key(options.prefix, name), DeleteOptions{.dir = true, .recursive = true});
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
  }
}

}  // namespace coord::recipes
