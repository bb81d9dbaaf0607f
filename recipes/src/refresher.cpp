// The EDF refresher. Requests go out through Client::async_refresh; their completions only update
// the schedule under mu_, and the run loop alone decides losses and runs callbacks.
#include "coord/recipes/refresher.hpp"

#include <algorithm>
#include <vector>

#include "coord/error.hpp"

namespace coord::recipes {

Refresher& Refresher::shared() {
  static Refresher instance;
  return instance;
}

Refresher::Refresher() : rng_(std::random_device{}()) { thread_ = std::thread([this] { run(); }); }

Refresher::~Refresher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Refresher::Clock::duration Refresher::margin(std::chrono::seconds ttl) {
  Clock::duration tenth = std::chrono::duration_cast<Clock::duration>(ttl) / 10;
  return std::max<Clock::duration>(std::chrono::milliseconds(500), tenth);
}

Refresher::Clock::duration Refresher::jittered_third(std::chrono::seconds ttl) {
  auto third = std::chrono::duration_cast<Clock::duration>(ttl) / 3;
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  return std::chrono::duration_cast<Clock::duration>(third * jitter(rng_));
}

std::uint64_t Refresher::add(Client& client, Entry entry) {
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    Slot slot;
    slot.client = &client;
    slot.next_due = entry.last_success + jittered_third(entry.ttl);
    slot.entry = std::move(entry);
    slots_.emplace(id, std::move(slot));
  }
  cv_.notify_all();
  return id;
}

void Refresher::remove(std::uint64_t id) noexcept {
  {
    std::unique_lock lock(mu_);
    auto it = slots_.find(id);
    if (it != slots_.end()) slots_.erase(it);
    pending_lost_.erase(id);  // a loss found but not reported yet is not reported at all
    // A callback for this id may be running right now: wait for it, unless we are inside it.
    if (std::this_thread::get_id() != thread_.get_id()) {
      cv_.wait(lock, [&] { return running_callback_ != id; });
    }
  }
}

void Refresher::set_value(std::uint64_t id, std::string value, Clock::time_point sent_at) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  it->second.entry.owner_value = std::move(value);
  ++it->second.generation;
  it->second.entry.last_success = std::max(it->second.entry.last_success, sent_at);
  it->second.next_due = it->second.entry.last_success + jittered_third(it->second.entry.ttl);
}

void Refresher::note_success(std::uint64_t id, Clock::time_point sent_at) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  it->second.entry.last_success = std::max(it->second.entry.last_success, sent_at);
  it->second.next_due = it->second.entry.last_success + jittered_third(it->second.entry.ttl);
}

std::optional<Refresher::Clock::time_point> Refresher::valid_until(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return std::nullopt;
  const Entry& e = it->second.entry;
  return e.last_success + std::chrono::duration_cast<Clock::duration>(e.ttl) - margin(e.ttl);
}

std::size_t Refresher::size() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

void Refresher::send(std::uint64_t id, Slot& slot, Clock::time_point now) {
  slot.in_flight = true;
  std::uint64_t generation = slot.generation;
  // The attempt is bounded by the client's request timeout; the local deadline (checked by the
  // run loop) declares the loss meanwhile if the cluster stays silent.
  slot.client->async_refresh(slot.entry.key, slot.entry.ttl, slot.entry.owner_value,
                             [this, id, now, generation](std::exception_ptr e, Response) {
                               on_result(id, now, generation, e);
                             });
}

void Refresher::on_result(std::uint64_t id, Clock::time_point sent_at, std::uint64_t generation,
                          std::exception_ptr error) {
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(id);
    if (it == slots_.end()) return;
    Slot& slot = it->second;
    slot.in_flight = false;
    Clock::time_point now = Clock::now();
    if (!error) {
      slot.entry.last_success = std::max(slot.entry.last_success, sent_at);
      slot.next_due = slot.entry.last_success + jittered_third(slot.entry.ttl);
    } else {
      std::string lost_reason;
      try {
        std::rethrow_exception(error);
      } catch (const Error& err) {
        // 101 with a stale owner value is our own value change racing this refresh, not a loss.
        bool stale = generation != slot.generation;
        if (err.error_code() == errc::kKeyNotFound) lost_reason = "key expired or was deleted";
        if (err.error_code() == errc::kCompareFailed && !stale) lost_reason = "key is owned by someone else";
      } catch (...) {
      }
      if (!lost_reason.empty()) {
        slot.lost_reason = std::move(lost_reason);  // the run loop reports it
      } else {
        // Transient: retry soon (a tenth of the TTL, at least 100 ms).
        slot.next_due = now + std::max<Clock::duration>(std::chrono::milliseconds(100),
                                                        std::chrono::duration_cast<Clock::duration>(slot.entry.ttl) / 10);
      }
    }
  }
  cv_.notify_all();
}

// Sends what is due and moves lost entries to pending_lost_; returns when to look again.
Refresher::Clock::time_point Refresher::scan(Clock::time_point now) {
  Clock::time_point wake = now + std::chrono::seconds(10);
  for (auto it = slots_.begin(); it != slots_.end();) {
    Slot& s = it->second;
    auto deadline = s.entry.last_success + std::chrono::duration_cast<Clock::duration>(s.entry.ttl) - margin(s.entry.ttl);
    if (!s.lost_reason.empty() || now >= deadline) {
      std::string reason = !s.lost_reason.empty() ? s.lost_reason : "no successful refresh before the local deadline";
      pending_lost_.emplace(it->first, std::make_pair(std::move(s.entry.on_lost), std::move(reason)));
      it = slots_.erase(it);
      continue;
    }
    if (!s.in_flight && now >= s.next_due) send(it->first, s, now);
    if (!s.in_flight) wake = std::min(wake, s.next_due);
    wake = std::min(wake, deadline);
    ++it;
  }
  return wake;
}

void Refresher::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    Clock::time_point wake = scan(Clock::now());
    if (pending_lost_.empty()) {
      cv_.wait_until(lock, wake);
      continue;
    }
    // One callback at a time, without the lock; remove() may cancel the ones not started yet.
    while (!pending_lost_.empty()) {
      auto node = pending_lost_.extract(pending_lost_.begin());
      running_callback_ = node.key();
      lock.unlock();
      try {
        if (node.mapped().first) node.mapped().first(node.mapped().second);
      } catch (...) {
        // A throwing callback must not stop the refresher for every other key.
      }
      lock.lock();
      running_callback_ = 0;
      cv_.notify_all();
    }
  }
}

}  // namespace coord::recipes
