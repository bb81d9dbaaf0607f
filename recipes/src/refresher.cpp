// The EDF refresher. Requests go out through Client::async_refresh; their completions only update
// the schedule under mu_. The scheduling thread alone decides losses (marking the lease lost at
// once); the notification thread alone runs user code (public stop requests, on_lost).
#include "coord/recipes/refresher.hpp"

#include <algorithm>

#include "coord/error.hpp"

namespace coord::recipes {

Refresher& Refresher::shared() {
  static Refresher instance;
  return instance;
}

Refresher::Refresher(std::chrono::milliseconds remove_wait) : rng_(std::random_device{}()), remove_wait_(remove_wait) {
  thread_ = std::thread([this] { run(); });
  notifier_ = std::thread([this] { notify_loop(); });
}

Refresher::~Refresher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  notice_cv_.notify_all();
  thread_.join();
  notifier_.join();
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
    slot.key = std::move(entry.key);
    slot.ttl = entry.ttl;
    slot.owner_checked = entry.owner_value.has_value();
    if (entry.owner_value) slot.candidates.push_back(std::move(*entry.owner_value));
    slot.on_lost = std::move(entry.on_lost);
    slot.lease = entry.lease ? std::move(entry.lease) : std::make_shared<Lease>(entry.ttl, entry.last_success);
    slot.next_due = slot.lease->last_renewal() + jittered_third(slot.ttl);
    slots_.emplace(id, std::move(slot));
  }
  cv_.notify_all();
  return id;
}

void Refresher::remove(std::uint64_t id) noexcept {
  std::unique_lock lock(mu_);
  slots_.erase(id);
  // A loss found but not reported yet is not reported at all.
  std::erase_if(notices_, [id](const Notice& n) { return n.id == id; });
  // A callback for this id may be running right now: wait for it, unless we are inside one.
  if (std::this_thread::get_id() != notifier_.get_id()) {
    notice_cv_.wait_for(lock, remove_wait_, [&] { return running_callback_ != id; });
  }
}

void Refresher::begin_value_change(std::uint64_t id, const std::string& value) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  Slot& s = it->second;
  ++s.changes_in_flight;
  if (std::find(s.candidates.begin(), s.candidates.end(), value) == s.candidates.end()) s.candidates.push_back(value);
}

void Refresher::end_value_change(std::uint64_t id, const std::string& value, ChangeOutcome outcome,
                                 Clock::time_point sent_at) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  Slot& s = it->second;
  s.changes_in_flight = std::max(0, s.changes_in_flight - 1);
  switch (outcome) {
    case ChangeOutcome::kApplied:
      s.candidates = {value};
      s.lease->renew(sent_at);
      s.next_due = s.lease->last_renewal() + jittered_third(s.ttl);
      break;
    case ChangeOutcome::kRejected:
      if (s.candidates.size() > 1) std::erase(s.candidates, value);
      break;
    case ChangeOutcome::kUnknown:
      break;  // both stay candidates; the next refreshes find out which one the key holds
  }
}

std::vector<std::string> Refresher::owner_values(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return {};
  return it->second.candidates;
}

void Refresher::settle_value(std::uint64_t id, const std::string& value) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end() || it->second.changes_in_flight > 0) return;
  auto& c = it->second.candidates;
  if (std::find(c.begin(), c.end(), value) != c.end()) c = {value};
}

std::shared_ptr<Lease> Refresher::lease(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = slots_.find(id);
  return it == slots_.end() ? nullptr : it->second.lease;
}

std::optional<Refresher::Clock::time_point> Refresher::valid_until(std::uint64_t id) const {
  auto l = lease(id);
  if (!l || l->lost()) return std::nullopt;
  return l->deadline();
}

std::size_t Refresher::size() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

void Refresher::send(std::uint64_t id, Slot& slot, Clock::time_point now) {
  slot.in_flight = true;
  std::optional<std::string> value;
  if (slot.owner_checked && !slot.candidates.empty()) value = slot.candidates.front();
  // The attempt is bounded by the client's request timeout; the lease deadline (checked by the
  // run loop) declares the loss meanwhile if the cluster stays silent.
  slot.client->async_refresh(slot.key, slot.ttl, value, [this, id, now, value](std::exception_ptr e, Response) {
    on_result(id, now, value, e);
  });
}

bool Refresher::other_candidate_left(Slot& slot, const std::optional<std::string>& sent_value) {
  if (!sent_value) return false;
  auto& c = slot.candidates;
  auto it = std::find(c.begin(), c.end(), *sent_value);
  if (it == c.end()) return true;  // the value changed since this refresh was sent
  if (slot.changes_in_flight > 0) {
    // Our own write may land any moment: try the other value next, drop nothing yet.
    std::rotate(c.begin(), c.begin() + 1, c.end());
    return true;
  }
  if (c.size() > 1) {
    c.erase(it);  // after an unknown outcome: the key does not hold this one
    return true;
  }
  return false;
}

void Refresher::on_result(std::uint64_t id, Clock::time_point sent_at, std::optional<std::string> sent_value,
                          std::exception_ptr error) {
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(id);
    if (it == slots_.end()) return;
    Slot& slot = it->second;
    slot.in_flight = false;
    Clock::time_point now = Clock::now();
    auto retry_soon = now + std::max<Clock::duration>(std::chrono::milliseconds(100),
                                                      std::chrono::duration_cast<Clock::duration>(slot.ttl) / 10);
    if (!error) {
      slot.lease->renew(sent_at);
      if (sent_value && slot.changes_in_flight == 0) slot.candidates = {*sent_value};
      slot.next_due = slot.lease->last_renewal() + jittered_third(slot.ttl);
    } else {
      try {
        std::rethrow_exception(error);
      } catch (const Error& err) {
        if (err.error_code() == errc::kKeyNotFound) {
          slot.lost_reason = "key expired or was deleted";
        } else if (err.error_code() == errc::kCompareFailed) {
          if (!other_candidate_left(slot, sent_value)) {
            slot.lost_reason = std::string(kReasonNotOurs);
          } else {
            retry_soon = slot.changes_in_flight > 0 ? retry_soon : now;
          }
        }
      } catch (...) {
      }
      slot.next_due = retry_soon;  // transient: the lease deadline bounds the retries
    }
  }
  cv_.notify_all();
}

// Sends what is due and turns lost entries into notices; returns when to look again.
Refresher::Clock::time_point Refresher::scan(Clock::time_point now) {
  Clock::time_point wake = now + std::chrono::seconds(10);
  for (auto it = slots_.begin(); it != slots_.end();) {
    Slot& s = it->second;
    auto deadline = s.lease->deadline();
    if (!s.lost_reason.empty() || now >= deadline || s.lease->lost()) {
      std::string reason = !s.lost_reason.empty() ? s.lost_reason
                           : s.lease->lost()      ? s.lease->lost_reason()
                                                  : "no successful refresh before the local deadline";
      s.lease->mark_lost(reason);  // queries answer "not held" from now on, whatever user code does
      notices_.push_back(Notice{it->first, s.lease, std::move(s.on_lost), std::move(reason)});
      it = slots_.erase(it);
      notice_cv_.notify_all();
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
    cv_.wait_until(lock, wake);
  }
}

void Refresher::notify_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    notice_cv_.wait(lock, [this] { return stopping_ || !notices_.empty(); });
    if (stopping_) return;
    Notice notice = std::move(notices_.front());
    notices_.pop_front();
    running_callback_ = notice.id;
    lock.unlock();
    try {
      notice.lease->request_stop();
      if (notice.on_lost) notice.on_lost(notice.reason);
    } catch (...) {
      // A throwing callback must not stop the notifications of every other key.
    }
    notice = Notice{};  // the callback's captures die before remove() may return
    lock.lock();
    running_callback_ = 0;
    notice_cv_.notify_all();
  }
}

}  // namespace coord::recipes
