// See barrier_dir.hpp. Why read-then-watch from the read's index + 1: no change between the read
// and the watch can be missed, and a watch that ends for any reason (deadline of one poll, 401,
// a broken connection) just leads to a fresh read.
#include "recipes/src/barrier_dir.hpp"

#include <thread>

#include "coord/error.hpp"
#include "coord/recipes/owner_token.hpp"

namespace coord::recipes::detail {

std::unique_ptr<QueueEntry> join_barrier(Client& client, const std::string& dir, std::chrono::seconds ttl) {
  auto entry = std::make_unique<QueueEntry>(client, dir + "/entries", ttl, make_owner_token(), nullptr);
  entry->enqueue();
  return entry;
}

bool wait_on_barrier(Client& client, const std::string& dir, std::optional<Clock::time_point> deadline,
                     std::chrono::milliseconds watch_cap, const std::function<void()>& check,
                     const std::function<std::optional<bool>(const BarrierView&)>& done) {
  for (;;) {
    check();
    if (passed(deadline)) return false;
    std::uint64_t index = 0;
    BarrierView view;
    try {
      Response r = client.get(dir, GetOptions{.recursive = true, .quorum = true,
                                              .timeout = call_timeout(deadline, std::chrono::seconds(5))});
      index = r.etcd_index;
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
      index = e.index();  // nothing there yet (or any more): an empty view
    } catch (const TransportError& e) {
      if (is_fatal(e)) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff, not synchronization
      continue;
    }
    auto verdict = done(view);
    if (!verdict) continue;
    if (*verdict) return true;
    try {
      client.watch(dir, WatchOptions{.wait_index = index + 1, .recursive = true,
                                     .timeout = call_timeout(deadline, watch_cap)});
    } catch (const Error& e) {
      // 401 (history cleared) and 400 (watcher cleared, e.g. by a restart): read again.
      if (e.error_code() != errc::kEventIndexCleared && e.error_code() != errc::kWatcherCleared) throw;
    } catch (const TransportError& e) {
      if (is_fatal(e)) throw;
    }
  }
}

std::optional<bool> ready_or_open(Client& client, const std::string& dir, std::size_t count, const BarrierView& view) {
  if (view.ready) return true;
  if (view.participants.size() < count) return false;
  try {
    client.create(dir + "/ready", "1");
    return true;
  } catch (const Error& e) {
    if (e.error_code() == errc::kNodeExist) return true;
    throw;
  } catch (const TransportError& e) {
    if (is_fatal(e)) throw;
    return std::nullopt;  // read again: the create may have happened
  }
}

void reset_barrier(Client& client, const std::string& dir) {
  try {
    client.remove(dir, DeleteOptions{.dir = true, .recursive = true});
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
  }
}

}  // namespace coord::recipes::detail
