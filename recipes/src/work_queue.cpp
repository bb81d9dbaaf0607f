// WorkQueue: items by POST, claims by create-only TTL'd keys kept alive by the Refresher; an
// idle consumer watches the whole queue directory from its last read's index + 1.
#include "coord/recipes/work_queue.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <thread>
#include <vector>

#include "coord/error.hpp"
#include "coord/recipes/lease.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "coord/recipes/refresher.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

using detail::Clock;

struct WorkItem::State {
  Client* client;
  std::string id;
  std::string item_key;
  std::string claim_key;
  std::string token;
  std::string payload;
  std::uint64_t fencing = 0;
  std::shared_ptr<Lease> lease;
  std::uint64_t refresh_id = 0;  // nonzero until ack() or release()
};

WorkItem::WorkItem(std::unique_ptr<State> state) : s_(std::move(state)) {}
WorkItem::~WorkItem() { release(); }
WorkItem::WorkItem(WorkItem&&) noexcept = default;
WorkItem& WorkItem::operator=(WorkItem&& other) noexcept {
  if (this != &other) {
    release();
    s_ = std::move(other.s_);
  }
  return *this;
}

const std::string& WorkItem::id() const { return s_->id; }
const std::string& WorkItem::payload() const { return s_->payload; }
std::uint64_t WorkItem::fencing_token() const { return s_->fencing; }
bool WorkItem::holds() const { return s_ && s_->refresh_id != 0 && s_->lease->held(); }
std::stop_token WorkItem::stop_token() const { return s_ ? s_->lease->stop_token() : std::stop_token{}; }

void WorkItem::ack() {
  if (!s_ || s_->refresh_id == 0) throw RecipeError(RecipeError::Kind::kState, "WorkItem: already acknowledged or released");
  if (!s_->lease->held()) {
    throw RecipeError(RecipeError::Kind::kLost, "coord recipes: claim of " + s_->item_key + " is no longer held; not acknowledged");
  }
  try {
    s_->client->remove(s_->item_key);
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;  // gone already: removed by an operator
  }
  release();  // the claim goes last, so no consumer sees the item unclaimed before it is gone
}

void WorkItem::release() noexcept {
  if (!s_ || s_->refresh_id == 0) return;
  Refresher::shared().remove(std::exchange(s_->refresh_id, 0));
  s_->lease->end();
  try {
    s_->client->compare_and_delete(s_->claim_key, s_->token, std::nullopt, DeleteOptions{.timeout = std::chrono::seconds(2)});
  } catch (...) {
    // Gone already, someone else's, or unreachable: it expires after its TTL.
  }
}

WorkQueue::WorkQueue(Client& client, std::string name, WorkQueueOptions options)
    : client_(client), dir_(detail::join_key(options.prefix, name)), options_(std::move(options)) {}

std::string WorkQueue::push(std::string_view payload) {
  return detail::base_name(client_.create_in_order(dir_ + "/items", payload).node.key);
}

std::size_t WorkQueue::size() const {
  try {
    return client_.get(dir_ + "/items", GetOptions{.quorum = true}).node.nodes.size();
  } catch (const Error& e) {
    if (e.error_code() == errc::kKeyNotFound) return 0;
    throw;
  }
}

namespace {

struct QueueView {
  std::vector<Node> items;                     // in queue (createdIndex) order
  std::map<std::string, std::string> claimed;  // claimer's token by item id
  std::uint64_t index = 0;
};

QueueView read_queue(Client& client, const std::string& dir, std::optional<Clock::time_point> deadline) {
  QueueView v;
  try {
    Response r = client.get(dir, GetOptions{.recursive = true, .sorted = true, .quorum = true,
                                            .timeout = detail::call_timeout(deadline, std::chrono::seconds(5))});
    v.index = r.etcd_index;
    for (const Node& n : r.node.nodes) {
      if (n.key == dir + "/items") v.items = n.nodes;
      if (n.key == dir + "/claims") {
        for (const Node& c : n.nodes) v.claimed[detail::base_name(c.key)] = c.value.value_or("");
      }
    }
  } catch (const Error& e) {
    if (e.error_code() != errc::kKeyNotFound) throw;
    v.index = e.index();
  }
  std::sort(v.items.begin(), v.items.end(), [](const Node& a, const Node& b) { return a.created_index < b.created_index; });
  return v;
}

}  // namespace

std::optional<WorkItem> WorkQueue::claim(std::chrono::milliseconds timeout) {
  std::optional<Clock::time_point> deadline;
  if (timeout != std::chrono::milliseconds::max()) deadline = Clock::now() + timeout;
  const std::string token = make_owner_token();
  for (;;) {
    QueueView view;
    try {
      view = read_queue(client_, dir_, deadline);
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
      if (detail::passed(deadline)) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff, not synchronization
      continue;
    }
    bool read_again = false;
    for (const Node& item : view.items) {
      if (item.dir) continue;
      std::string id = detail::base_name(item.key);
      std::string claim_key = dir_ + "/claims/" + id;
      std::optional<std::pair<Node, Clock::time_point>> held;
      if (auto claimer = view.claimed.find(id); claimer != view.claimed.end()) {
        // A create of ours whose outcome was unknown may have landed after we looked for it: the
        // claim holds our token, so it is ours to adopt (or it expires after its TTL).
        if (claimer->second != token) continue;
        held = detail::adopt_key(client_, claim_key, token, options_.ttl);
        if (!held) continue;
      } else {
        try {
          auto sent = Clock::now();
          Response r = client_.create(claim_key, token, SetOptions{.ttl = options_.ttl});
          held.emplace(r.node, sent);
        } catch (const Error& e) {
          if (e.error_code() != errc::kNodeExist) throw;
          continue;  // another consumer was faster: the next item
        } catch (const TransportError& e) {
          if (detail::is_fatal(e)) throw;
          held = detail::adopt_key(client_, claim_key, token, options_.ttl);  // did our create land?
          if (!held) {
            // Not (yet) there, so the item may well be free: read the queue again instead of
            // waiting for a change, which may never come (nothing else happened in the queue).
            read_again = true;
            break;
          }
        }
      }
      auto state = std::make_unique<WorkItem::State>();
      state->client = &client_;
      state->id = id;
      state->item_key = item.key;
      state->claim_key = claim_key;
      state->token = token;
      state->payload = item.value.value_or("");
      state->fencing = held->first.created_index;
      state->lease = std::make_shared<Lease>(options_.ttl, held->second);
      state->refresh_id = Refresher::shared().add(
          client_, Refresher::Entry{claim_key, options_.ttl, token, held->second, nullptr, state->lease});
      WorkItem claimed(std::move(state));
      // The item may have been acknowledged between our read and our claim: then give it back.
      try {
        client_.get(item.key, GetOptions{.quorum = true});
      } catch (const Error& e) {
        if (e.error_code() != errc::kKeyNotFound) throw;
        continue;  // `claimed` releases its claim
      }
      return claimed;
    }
    if (detail::passed(deadline)) return std::nullopt;
    if (read_again) continue;
    try {
      client_.watch(dir_, WatchOptions{.wait_index = view.index + 1, .recursive = true,
                                       .timeout = detail::call_timeout(deadline, std::chrono::seconds(30))});
    } catch (const Error& e) {
      // 401 (history cleared) and 400 (watcher cleared): read again.
      if (e.error_code() != errc::kEventIndexCleared && e.error_code() != errc::kWatcherCleared) throw;
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
    }
  }
}

}  // namespace coord::recipes
