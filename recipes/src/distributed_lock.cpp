// DistributedLock: create-only PUT with a TTL, wait by watching the key from the failed create's
// index, owner-checked refresh and release (recipes.md §4.3).
#include "coord/recipes/distributed_lock.hpp"

#include <atomic>
#include <thread>

#include "coord/error.hpp"
#include "coord/recipes/lease.hpp"
#include "coord/recipes/owner_token.hpp"
#include "coord/recipes/recipe_error.hpp"
#include "coord/recipes/refresher.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes {

using detail::call_timeout;
using detail::Clock;
using detail::passed;

struct DistributedLock::State {
  Client* client;
  std::string key;
  std::string token;
  LockOptions options;  // options.on_lost moved into on_lost
  detail::SharedCallback<void(const std::string&)> on_lost;
  // Any thread reads these; the owner thread writes them.
  std::atomic<std::shared_ptr<Lease>> lease;  // of the current (or last) acquisition
  std::atomic<std::uint64_t> fencing{0};
  std::atomic<bool> lost_before_release{false};
  std::atomic<std::uint64_t> refresh_id{0};  // nonzero while held
};

DistributedLock::DistributedLock(Client& client, std::string name, LockOptions options)
    : s_(std::make_unique<State>()) {
  s_->client = &client;
  s_->key = detail::join_key(options.prefix, name);
  s_->token = make_owner_token();
  s_->on_lost = detail::share_callback(std::move(options.on_lost));
  s_->options = std::move(options);
}

DistributedLock::~DistributedLock() {
  if (s_ && s_->refresh_id != 0) unlock();
}

DistributedLock::DistributedLock(DistributedLock&&) noexcept = default;

DistributedLock& DistributedLock::operator=(DistributedLock&& other) noexcept {
  if (this != &other) {
    if (s_ && s_->refresh_id != 0) unlock();
    s_ = std::move(other.s_);
  }
  return *this;
}

void DistributedLock::lock() { acquire(Clock::time_point::max()); }

bool DistributedLock::try_lock() { return acquire(Clock::now()); }

namespace {

// Waits until the lock key is removed after `index` (true: try again) or the deadline passes.
bool wait_release(Client& client, const std::string& key, std::uint64_t index,
                  std::optional<Clock::time_point> deadline) {
  std::uint64_t wait_index = index + 1;
  for (;;) {
    if (passed(deadline)) return false;
    WatchOptions w{.wait_index = wait_index, .timeout = call_timeout(deadline, std::chrono::seconds(30))};
    try {
      Response ev = client.watch(key, w);
      if (detail::is_removal(ev.action)) return true;
      wait_index = ev.node.modified_index + 1;
    } catch (const Error& e) {
      if (e.error_code() == errc::kEventIndexCleared || e.error_code() == errc::kWatcherCleared) return true;
      throw;
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
      return !passed(deadline);  // poll timeout or a broken connection: look again
    }
  }
}

}  // namespace

bool DistributedLock::acquire(std::optional<Clock::time_point> deadline) {
  State& s = *s_;
  if (s.refresh_id != 0) throw RecipeError(RecipeError::Kind::kState, "DistributedLock: already held by this object");
  if (*deadline == Clock::time_point::max()) deadline.reset();
  bool once = deadline && *deadline <= Clock::now();
  // Set once a create of ours had an unknown outcome: from then on the key may be our own.
  bool ambiguous = false;
  bool rechecked = false;  // a 105 after that was checked for being our own key
  for (;;) {
    std::optional<std::pair<Node, Clock::time_point>> held;
    try {
      if (ambiguous) held = detail::adopt_key(*s.client, s.key, s.token, s.options.ttl);
      if (!held) {
        auto sent = Clock::now();
        auto timeout = once ? std::chrono::milliseconds(5000) : call_timeout(deadline, std::chrono::milliseconds(5000));
        Response r = s.client->create(s.key, s.token, SetOptions{.ttl = s.options.ttl, .timeout = timeout});
        held.emplace(r.node, sent);
      }
    } catch (const Error& e) {
      if (e.error_code() != errc::kNodeExist) throw;
      // After an unknown outcome the key in the way may be our own earlier create, landed
      // since the last round's adoption check: check once more rather than wait for it to expire.
      if (ambiguous && !rechecked) {
        rechecked = true;
        continue;
      }
      if (once || !wait_release(*s.client, s.key, e.index(), deadline)) return false;
      continue;
    } catch (const TransportError& e) {
      if (detail::is_fatal(e)) throw;
      // Unknown outcome: the create may have happened, now or later. The next round adopts
      // the key if it holds our token instead of waiting on it as someone else's.
      ambiguous = true;
      rechecked = false;
      if (once || passed(deadline)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // backoff, not synchronization
      continue;
    }
    s.fencing = held->first.created_index;
    s.lost_before_release = false;
    auto lease = std::make_shared<Lease>(s.options.ttl, held->second);
    s.lease = lease;
    // The callback may destroy this lock: the wrapper owns the callable, not the State.
    s.refresh_id = Refresher::shared().add(
        *s.client, Refresher::Entry{s.key, s.options.ttl, s.token, held->second,
                                    [on_lost = s.on_lost](const std::string& reason) {
                                      if (on_lost) (*on_lost)(reason);
                                    },
                                    lease});
    return true;
  }
}

void DistributedLock::unlock() {
  State& s = *s_;
  auto id = s.refresh_id.exchange(0);
  if (id == 0) return;
  Refresher::shared().remove(id);
  auto lease = s.lease.load();
  // Not held any more by our own rule (lost, or past the deadline): the critical section may
  // have overlapped another holder's.
  if (!lease->held()) s.lost_before_release = true;
  lease->end();
  try {
    s.client->compare_and_delete(s.key, s.token, std::nullopt, DeleteOptions{.timeout = s.options.release_timeout});
  } catch (const Error& e) {
    if (e.error_code() == errc::kKeyNotFound || e.error_code() == errc::kCompareFailed) s.lost_before_release = true;
  } catch (...) {
    // Unreachable cluster: the key expires after its TTL.
  }
}

std::uint64_t DistributedLock::fencing_token() const { return s_->fencing.load(); }

bool DistributedLock::owns_lock() const {
  if (!s_) return false;
  auto lease = s_->lease.load();
  return lease && lease->held();
}

std::chrono::milliseconds DistributedLock::valid_for() const {
  if (!s_) return std::chrono::milliseconds(0);
  auto lease = s_->lease.load();
  return lease ? lease->valid_for() : std::chrono::milliseconds(0);
}

std::stop_token DistributedLock::stop_token() const {
  auto lease = s_ ? s_->lease.load() : nullptr;
  return lease ? lease->stop_token() : std::stop_token{};
}

bool DistributedLock::lost_before_release() const { return s_->lost_before_release.load(); }
const std::string& DistributedLock::key() const { return s_->key; }
const std::string& DistributedLock::owner_token() const { return s_->token; }

}  // namespace coord::recipes
