// coord::recipes::Lease — the local view of one TTL'd key a recipe holds, and the one rule every
// "do I hold it" query of the recipes follows: the key is ours only until
//     deadline = (send time of the last acknowledged write or refresh) + TTL − margin,
// measured on this process's monotonic clock. The server starts the TTL when the request arrives,
// which is never before we sent it, so as long as the server's clock does not run faster than
// ours by more than the margin allows (margin = max(500 ms, TTL/10), i.e. 10% rate drift), the
// server cannot have expired the key before our deadline. A holder that is partitioned or paused
// (SIGSTOP, GC, swap) therefore stops believing it holds no later than the server could let
// someone else in — without hearing anything from the server.
//
// Beside the deadline a lease records a loss the server reported (key gone or owned by someone
// else), a voluntary end (release), and two stop sources requested on loss: an internal one
// (requested at once by the refresher; only the library registers callbacks on it, e.g. to
// interrupt its own waits) and the public one handed to users (requested on the refresher's
// notification thread, because std::stop_callback runs user code).
//
// Thread-safety: every member is safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <stop_token>
#include <string>

namespace coord::recipes {

class Lease {
 public:
  using Clock = std::chrono::steady_clock;

  // A lease whose key was written (created) by a request sent at `sent_at`.
  Lease(std::chrono::seconds ttl, Clock::time_point sent_at);
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // The safety margin subtracted from the TTL: max(500 ms, TTL/10).
  static Clock::duration margin(std::chrono::seconds ttl);

  // Records an acknowledged write or refresh of the key sent at `sent_at`. The deadline only
  // moves forward, and never again once the lease is lost, ended or past its deadline (so
  // held() never turns true again after it answered false).
  void renew(Clock::time_point sent_at);
  // Send time of the newest acknowledged write or refresh.
  Clock::time_point last_renewal() const;
  Clock::time_point deadline() const;
  std::chrono::seconds ttl() const { return ttl_; }

  // True while not lost, not ended, and `now` is before the deadline.
  bool held(Clock::time_point now = Clock::now()) const;
  // Time left before the deadline (zero when not held).
  std::chrono::milliseconds valid_for() const;

  // Records the loss (the first reason wins; returns true for the first call) and requests the
  // internal stop. Does not touch the public stop source (see request_stop()).
  bool mark_lost(const std::string& reason);
  bool lost() const { return lost_.load(); }
  std::string lost_reason() const;
  // The holder let go (release, resign, deregister): not held from now on, and not a loss.
  void end() { ended_ = true; }
  bool ended() const { return ended_.load(); }

  // Requested when the lease is lost: hand it to the code that relies on holding.
  std::stop_token stop_token() const { return stop_.get_token(); }
  // Requests the public stop (runs the users' stop callbacks on the calling thread).
  void request_stop() { stop_.request_stop(); }
  // Requested at once on loss; for the library's own waits only.
  std::stop_token internal_stop_token() const { return internal_stop_.get_token(); }

 private:
  const std::chrono::seconds ttl_;
  const Clock::duration ttl_minus_margin_;
  std::atomic<Clock::rep> last_renewal_;  // Clock ticks since the clock's epoch
  std::atomic<bool> lost_{false};
  std::atomic<bool> ended_{false};
  std::stop_source stop_;
  std::stop_source internal_stop_;
  mutable std::mutex mu_;
  std::string reason_;  // guarded by mu_
};

}  // namespace coord::recipes
