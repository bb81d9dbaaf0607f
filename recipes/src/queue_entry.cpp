// QueueEntry: enqueue (POST, or adoption after an unresolved POST) + refresher, list,
// predecessor watch. See queue_entry.hpp.
#include "recipes/src/queue_entry.hpp"

#include <algorithm>
#include <thread>

#include "coord/error.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "coord/recipes/refresher.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes::detail {

std::optional<std::pair<Node, Clock::time_point>> adopt_key(Client& client, const std::string& key,
                                                            const std::string& value, std::chrono::seconds ttl) {
  auto sent = Clock::now();
  try {
    Response r = client.refresh(key, ttl, value, CallOptions{.timeout = std::chrono::seconds(5)});
    return std::make_pair(r.node, sent);
  } catch (const Error& e) {
    if (e.error_code() == errc::kKeyNotFound || e.error_code() == errc::kCompareFailed) return std::nullopt;
    throw;
  }
}

std::pair<Node, Clock::time_point> adopt_or_withdraw(Client& client, const std::string& key, const std::string& value,
                                                     std::chrono::seconds ttl) {
  std::optional<std::pair<Node, Clock::time_point>> adopted;
  try {
    adopted = adopt_key(client, key, value, ttl);
  } catch (...) {
  }
  if (adopted) return *adopted;
  try {
    client.compare_and_delete(key, value, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
  } catch (...) {
    // Not there (yet): if it lands later it expires after its TTL, never refreshed.
  }
  throw;
}

QueueEntry::QueueEntry(Client& client, std::string dir, std::chrono::seconds ttl, std::string value,
                       std::function<void(const std::string&)> on_lost)
    : client_(client), dir_(std::move(dir)), ttl_(ttl), value_(std::move(value)), on_lost_(std::move(on_lost)) {}

QueueEntry::~QueueEntry() { leave(); }

std::vector<QueuedNode> QueueEntry::list(Client& client, const std::string& dir, std::uint64_t* etcd_index,
                                         std::chrono::milliseconds timeout) {
  std::vector<QueuedNode> out;
  try {
    Response r = client.get(dir, GetOptions{.recursive = true, .sorted = true, .quorum = true, .timeout = timeout});
    if (etcd_index) *etcd_index = r.etcd_index;
    for (const Node& n : r.node.nodes) {
      if (!n.dir) out.push_back({n.key, n.value.value_or(""), n.created_index});
    }
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
    if (etcd_index) *etcd_index = e.index();
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created_index < b.created_index; });
  return out;
}

bool QueueEntry::lost() const {
  auto l = lease_.load();
  return !l || !l->held();
}

std::optional<std::pair<Node, Clock::time_point>> QueueEntry::find_and_adopt() {
  for (const QueuedNode& n : list(client_, dir_, nullptr, std::chrono::seconds(5))) {
    if (n.value != value_) continue;
    if (auto adopted = adopt_key(client_, n.key, value_, ttl_)) return adopted;
  }
  return std::nullopt;
}

void QueueEntry::enqueue() {
  // An unresolved POST may land long after it was sent; past this bound, one that landed has
  // expired (it is never refreshed) or will be removed as a late copy.
  auto give_up = Clock::now() + std::max<Clock::duration>(ttl_, std::chrono::seconds(5));
  std::optional<std::pair<Node, Clock::time_point>> entry;
  bool must_resolve = false;
  while (!entry) {
    try {
      if (must_resolve) {
        // Never POST twice blindly: an entry holding our value is ours (adopt it); only a
        // listing that shows none lets us POST again (a late copy is removed when it shows up).
        entry = find_and_adopt();
        must_resolve = false;
        continue;
      }
      auto sent = Clock::now();
      Response r = client_.create_in_order(dir_, value_, SetOptions{.ttl = ttl_});
      entry.emplace(r.node, sent);
    } catch (const TransportError& e) {
      if (is_fatal(e) || Clock::now() >= give_up) throw;
      if (!must_resolve) {
        ambiguous_post_ = true;
        must_resolve = true;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff, not synchronization
      }
    }
  }
  key_ = entry->first.key;
  created_index_ = entry->first.created_index;
  auto lease = std::make_shared<Lease>(ttl_, entry->second);
  lease_ = lease;
  refresh_id_ = Refresher::shared().add(client_, Refresher::Entry{key_, ttl_, value_, entry->second, on_lost_, lease});
}

void QueueEntry::drop_own_copies(std::vector<QueuedNode>& entries) {
  if (!ambiguous_post_) return;
  std::erase_if(entries, [&](const QueuedNode& n) {
    if (n.value != value_ || n.key == key_) return false;
    try {
      client_.compare_and_delete(n.key, value_, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
    } catch (...) {
      // Gone already, or unreachable: it expires after its TTL (it is never refreshed).
    }
    return true;
  });
}

bool QueueEntry::wait_turn(std::size_t slots, std::optional<Clock::time_point> deadline) {
  return wait_until_unblocked(
      [&](const std::vector<QueuedNode>& entries, std::size_t position) -> std::optional<Blocker> {
        if (position < slots) return std::nullopt;
        // One slot: only our predecessor matters (no herd). Several: any departure may free one.
        if (slots == 1) return Blocker{entries[position - 1].key, false};
        return Blocker{dir_, true};
      },
      deadline);
}

bool QueueEntry::wait_until_unblocked(const BlockerOf& blocker_of, std::optional<Clock::time_point> deadline) {
  auto expired = [this] {
    return RecipeError(RecipeError::Kind::kSessionExpired, "coord recipes: our queue entry " + key_ + " expired while waiting");
  };
  auto lease = lease_.load();
  for (;;) {
    if (lost()) throw expired();
    std::uint64_t index = 0;
    std::vector<QueuedNode> entries;
    try {
      entries = list(client_, dir_, &index, std::chrono::seconds(5));
    } catch (const TransportError& e) {
      if (is_fatal(e)) throw;
      if (passed(deadline)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff, not synchronization
      continue;
    }
    drop_own_copies(entries);
    auto it = std::find_if(entries.begin(), entries.end(), [&](const QueuedNode& n) { return n.key == key_; });
    if (it == entries.end()) {
      lease->mark_lost("our entry is gone");
      throw expired();
    }
    std::size_t position = static_cast<std::size_t>(it - entries.begin());
    std::optional<Blocker> blocker = blocker_of(entries, position);
    if (!blocker) {
      if (lost()) throw expired();
      return true;
    }
    if (passed(deadline)) return false;
    const std::string& watched = blocker->key;
    std::uint64_t wait_index = index + 1;
    for (;;) {
      if (lost()) throw expired();
      // The wait also ends at our lease deadline: an entry we can no longer vouch for must not
      // keep us waiting (or let us pass) on the server's word alone.
      auto until = deadline ? std::min(*deadline, lease->deadline()) : lease->deadline();
      WatchOptions w{.wait_index = wait_index, .recursive = blocker->recursive,
                     .timeout = call_timeout(until, std::chrono::seconds(30)), .stop = lease->internal_stop_token()};
      try {
        Response ev = client_.watch(watched, w);
        if (is_removal(ev.action)) break;
        wait_index = ev.node.modified_index + 1;
      } catch (const Error& e) {
        if (e.error_code() == errc::kEventIndexCleared || e.error_code() == errc::kWatcherCleared) break;
        throw;
      } catch (const TransportError& e) {
        if (lost()) throw expired();
        if (is_fatal(e) && e.kind() != TransportError::Kind::kCancelled) throw;
        if (passed(deadline)) return false;
        break;
      }
    }
  }
}

bool QueueEntry::leave() noexcept {
  auto id = refresh_id_.exchange(0);
  if (id == 0) return true;
  Refresher::shared().remove(id);
  if (auto l = lease_.load()) l->end();
  bool ours = true;
  try {
    client_.compare_and_delete(key_, value_, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
  } catch (const Error& e) {
    ours = e.error_code() != errc::kKeyNotFound && e.error_code() != errc::kCompareFailed;
  } catch (...) {
    // The cluster is unreachable: the entry expires after its TTL.
  }
  if (ambiguous_post_) {
    try {
      std::vector<QueuedNode> entries = list(client_, dir_, nullptr, std::chrono::seconds(2));
      drop_own_copies(entries);
    } catch (...) {
      // Late copies expire after their TTL (they are never refreshed).
    }
  }
  return ours;
}

}  // namespace coord::recipes::detail
