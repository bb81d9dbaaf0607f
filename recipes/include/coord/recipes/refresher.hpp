// coord::recipes::Refresher — the one scheduler that keeps every TTL key of the process alive
// (recipes.md §4.0 B). Each entry is refreshed at about a third of its TTL (±10% jitter) with an
// owner-checked refresh (PUT refresh=true&prevValue=<owner value>), earliest deadline first, by a
// single thread; requests run asynchronously, so a slow member never delays the other keys.
// Every acknowledged refresh renews the entry's Lease (see lease.hpp) with the refresh's send
// time. An entry is declared LOST when the server says the key is gone or owned by someone else
// (errors 100/101), or locally when its lease deadline passes (cluster unreachable, process
// paused): the lease is marked lost at once on the scheduling thread; then, on a separate
// notification thread, the lease's public stop is requested and the entry's on_lost runs, once,
// with no lock held. User code never runs on the scheduling thread, so a slow on_lost delays
// other notifications but never a refresh or another lease's deadline.
//
// Owner values may change: a recipe that rewrites its key (compare-and-swap) announces the new
// value with begin_value_change() before sending and reports the outcome with
// end_value_change(). While a change is in flight, or after one whose outcome is unknown, a
// compare failure (101) of a refresh is not a loss until every candidate value has failed.
//
// Thread-safety: safe for concurrent use. After remove(id) returns, the entry's on_lost callback
// neither runs nor will run (remove() waits for a running one, except when called from inside a
// callback, and at most the remove wait given to the constructor). Every Client used with the refresher must outlive its
// entries, and the refresher must outlive the Clients it was given (their in-flight refreshes
// complete into it; the shared instance is destroyed at exit, after them).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "coord/client.hpp"
#include "coord/recipes/lease.hpp"

namespace coord::recipes {

class Refresher {
 public:
  using Clock = std::chrono::steady_clock;
  using LostCallback = std::function<void(const std::string& reason)>;

  // How long remove() waits by default for a running on_lost of its entry before giving up (a
  // callback that blocks on something the remover holds would otherwise deadlock both).
  static constexpr std::chrono::seconds kRemoveWait{5};

  struct Entry {
    std::string key;
    std::chrono::seconds ttl{10};
    // The value the key must still hold (owner check). nullopt: plain refresh (directories).
    std::optional<std::string> owner_value;
    // When the write that created (or last renewed) the key was sent.
    Clock::time_point last_success = Clock::now();
    LostCallback on_lost;
    // The lease this entry renews; nullptr: the refresher makes one from ttl and last_success.
    std::shared_ptr<Lease> lease;
  };

  enum class ChangeOutcome { kApplied, kRejected, kUnknown };

  // The loss reason when the server says the key holds another owner's value (error 101).
  static constexpr std::string_view kReasonNotOurs = "key is owned by someone else";

  // The process-wide refresher (started on first use, stopped at exit).
  static Refresher& shared();

  explicit Refresher(std::chrono::milliseconds remove_wait = kRemoveWait);
  ~Refresher();
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  // Starts keeping `entry.key` alive through `client`. Returns the entry id.
  std::uint64_t add(Client& client, Entry entry);
  // Stops refreshing; see the class comment for the callback guarantee. Never throws.
  void remove(std::uint64_t id) noexcept;
  // The owner is about to write `value` into the key (a compare-and-swap against the current
  // value): until end_value_change(), a 101 on a refresh is not a loss.
  void begin_value_change(std::uint64_t id, const std::string& value);
  // The write of `value` (sent at `sent_at`) was applied, rejected, or its outcome is unknown.
  // kApplied renews the lease; kUnknown keeps both values as candidates until a refresh tells.
  void end_value_change(std::uint64_t id, const std::string& value, ChangeOutcome outcome, Clock::time_point sent_at);
  // The value(s) the key may hold now, the likeliest first (two after an unknown outcome).
  std::vector<std::string> owner_values(std::uint64_t id) const;
  // The owner found (by a quorum read) that the key holds `value`, one of the candidates.
  void settle_value(std::uint64_t id, const std::string& value);
  // The entry's lease (nullptr for unknown ids).
  std::shared_ptr<Lease> lease(std::uint64_t id) const;
  // The local validity deadline (see Lease). nullopt for unknown/lost ids.
  std::optional<Clock::time_point> valid_until(std::uint64_t id) const;
  // Margin subtracted from the TTL for the local deadline: max(500 ms, TTL/10).
  static Clock::duration margin(std::chrono::seconds ttl) { return Lease::margin(ttl); }
  std::size_t size() const;

 private:
  struct Slot {
    Client* client = nullptr;
    std::string key;
    std::chrono::seconds ttl{10};
    bool owner_checked = true;
    std::vector<std::string> candidates;  // owner values the key may hold (front: sent next)
    int changes_in_flight = 0;            // begin_value_change without end_value_change
    LostCallback on_lost;
    std::shared_ptr<Lease> lease;
    Clock::time_point next_due;
    bool in_flight = false;
    std::string lost_reason;  // set when the server said the key is gone
  };
  struct Notice {
    std::uint64_t id;
    std::shared_ptr<Lease> lease;
    LostCallback on_lost;
    std::string reason;
  };

  void run();
  void notify_loop();
  Clock::time_point scan(Clock::time_point now);  // under mu_
  void send(std::uint64_t id, Slot& slot, Clock::time_point now);  // under mu_
  void on_result(std::uint64_t id, Clock::time_point sent_at, std::optional<std::string> sent_value,
                 std::exception_ptr error);
  // Whether a 101 on a refresh that carried `sent_value` leaves other candidates to try.
  static bool other_candidate_left(Slot& slot, const std::optional<std::string>& sent_value);  // under mu_
  Clock::duration jittered_third(std::chrono::seconds ttl);  // under mu_

  mutable std::mutex mu_;
  std::condition_variable cv_;         // wakes the scheduling thread
  std::condition_variable notice_cv_;  // wakes the notification thread and waiting removers
  // Guarded by mu_.
  std::map<std::uint64_t, Slot> slots_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::deque<Notice> notices_;          // losses found, not reported yet
  std::uint64_t running_callback_ = 0;  // id whose on_lost runs now (0: none)
  std::mt19937_64 rng_;
  // Constant after construction.
  const std::chrono::milliseconds remove_wait_;
  std::thread thread_;    // scheduling: sends refreshes, finds losses; never runs user code
  std::thread notifier_;  // runs on_lost callbacks and public stop requests, one at a time
};

}  // namespace coord::recipes
