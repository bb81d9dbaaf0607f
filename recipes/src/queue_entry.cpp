// QueueEntry: enqueue (POST + refresher), list, predecessor watch. See queue_entry.hpp.
#include "recipes/src/queue_entry.hpp"

#include <algorithm>
#include <thread>

#include "coord/error.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "coord/recipes/refresher.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes::detail {

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

void QueueEntry::enqueue() {
  auto sent = Clock::now();
  std::optional<Response> r;
  try {
    r = client_.create_in_order(dir_, value_, SetOptions{.ttl = ttl_});
  } catch (const TransportError& e) {
    if (is_fatal(e)) throw;
    // The POST may have happened: our unique value tells (never POST twice blindly).
    for (const QueuedNode& n : list(client_, dir_, nullptr, std::chrono::seconds(5))) {
      if (n.value == value_) {
        r.emplace();
        r->node.key = n.key;
        r->node.created_index = n.created_index;
      }
    }
    if (!r) r = client_.create_in_order(dir_, value_, SetOptions{.ttl = ttl_});
  }
  key_ = r->node.key;
  created_index_ = r->node.created_index;
  lost_ = false;
  refresh_id_ = Refresher::shared().add(client_, Refresher::Entry{key_, ttl_, value_, sent, [this](const std::string& why) {
                                          lost_ = true;
                                          stop_.request_stop();
                                          if (on_lost_) on_lost_(why);
                                        }});
}

bool QueueEntry::wait_turn(std::size_t slots, std::optional<Clock::time_point> deadline) {
  auto expired = [this] {
    return RecipeError(RecipeError::Kind::kSessionExpired, "coord recipes: our queue entry " + key_ + " expired while waiting");
  };
  for (;;) {
    if (lost_) throw expired();
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
    auto it = std::find_if(entries.begin(), entries.end(), [&](const QueuedNode& n) { return n.key == key_; });
    if (it == entries.end()) {
      lost_ = true;
      throw expired();
    }
    std::size_t position = static_cast<std::size_t>(it - entries.begin());
    if (position < slots) return true;
    if (passed(deadline)) return false;
    // One slot: only our predecessor matters (no herd). Several: any departure may free one.
    std::string watched = slots == 1 ? entries[position - 1].key : dir_;
    std::uint64_t wait_index = index + 1;
    for (;;) {
      if (lost_) throw expired();
      WatchOptions w{.wait_index = wait_index, .recursive = slots != 1,
                     .timeout = call_timeout(deadline, std::chrono::seconds(30)), .stop = stop_.get_token()};
      try {
        Response ev = client_.watch(watched, w);
        if (is_removal(ev.action)) break;
        wait_index = ev.node.modified_index + 1;
      } catch (const Error& e) {
        if (e.error_code() == errc::kEventIndexCleared || e.error_code() == errc::kWatcherCleared) break;
        throw;
      } catch (const TransportError& e) {
        if (lost_) throw expired();
        if (is_fatal(e)) throw;
        if (passed(deadline)) return false;
        break;
      }
    }
  }
}

std::optional<QueueEntry::Clock::time_point> QueueEntry::valid_until() const {
  auto id = refresh_id_.load();
  if (id == 0 || lost_) return std::nullopt;
  return Refresher::shared().valid_until(id);
}

void QueueEntry::leave() noexcept {
  auto id = refresh_id_.exchange(0);
  if (id == 0) return;
  Refresher::shared().remove(id);
  try {
    client_.compare_and_delete(key_, value_, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
  } catch (...) {
    // Already expired, or the cluster is unreachable: the entry expires after its TTL.
  }
}

}  // namespace coord::recipes::detail
