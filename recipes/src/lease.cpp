// Lease: a deadline kept as an atomic tick count so that the ownership queries of every recipe
// are lock-free and may be called from any thread, including the user's loss callbacks.
#include "coord/recipes/lease.hpp"

#include <algorithm>

namespace coord::recipes {

Lease::Lease(std::chrono::seconds ttl, Clock::time_point sent_at)
    : ttl_(ttl),
      ttl_minus_margin_(std::chrono::duration_cast<Clock::duration>(ttl) - margin(ttl)),
      last_renewal_(sent_at.time_since_epoch().count()) {}

Lease::Clock::duration Lease::margin(std::chrono::seconds ttl) {
  Clock::duration tenth = std::chrono::duration_cast<Clock::duration>(ttl) / 10;
  return std::max<Clock::duration>(std::chrono::milliseconds(500), tenth);
}

void Lease::renew(Clock::time_point sent_at) {
  // Invariant: once held() answered false it never answers true again. An acknowledgement that
  // arrives after the deadline (the refresher marks the loss on its next scan) renews nothing.
  if (lost_ || ended_ || Clock::now() >= deadline()) return;
  Clock::rep t = sent_at.time_since_epoch().count();
  Clock::rep seen = last_renewal_.load();
  while (t > seen && !last_renewal_.compare_exchange_weak(seen, t)) {
  }
}

Lease::Clock::time_point Lease::last_renewal() const {
  return Clock::time_point(Clock::duration(last_renewal_.load()));
}

Lease::Clock::time_point Lease::deadline() const { return last_renewal() + ttl_minus_margin_; }

bool Lease::held(Clock::time_point now) const { return !lost_ && !ended_ && now < deadline(); }

std::chrono::milliseconds Lease::valid_for() const {
  auto now = Clock::now();
  if (!held(now)) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline() - now);
}

bool Lease::mark_lost(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (lost_) return false;
    reason_ = reason;
    lost_ = true;
  }
  internal_stop_.request_stop();
  return true;
}

std::string Lease::lost_reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

}  // namespace coord::recipes
