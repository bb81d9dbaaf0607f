// coord::recipes::Refresher — the one scheduler that keeps every TTL key of the process alive
// (recipes.md §4.0 B). Each entry is refreshed at about a third of its TTL (±10% jitter) with an
// owner-checked refresh (PUT refresh=true&prevValue=<owner value>), earliest deadline first, by a
// single thread; requests run asynchronously, so a slow member never delays the other keys.
// An entry is declared LOST when the server says the key is gone or owned by someone else
// (errors 100/101), or locally when no refresh succeeded for TTL − margin (cluster unreachable):
// its on_lost callback then runs once, on the refresher thread, with no lock held.
//
// Thread-safety: safe for concurrent use. After remove(id) returns, the entry's on_lost callback
// neither runs nor will run (remove() waits for a running one, except when called from inside it).
// Every Client used with the refresher must outlive its entries, and the refresher must outlive
// the Clients it was given (their in-flight refreshes complete into it; the shared instance is
// destroyed at exit, after them).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "coord/client.hpp"

namespace coord::recipes {

class Refresher {
 public:
  using Clock = std::chrono::steady_clock;
  using LostCallback = std::function<void(const std::string& reason)>;

  struct Entry {
    std::string key;
    std::chrono::seconds ttl{10};
    // The value the key must still hold (owner check). nullopt: plain refresh (directories).
    std::optional<std::string> owner_value;
    // When the write that created (or last renewed) the key was sent.
    Clock::time_point last_success = Clock::now();
    LostCallback on_lost;
  };

  // The process-wide refresher (started on first use, stopped at exit).
  static Refresher& shared();

  Refresher();
  ~Refresher();
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  // Starts keeping `entry.key` alive through `client`. Returns the entry id.
  std::uint64_t add(Client& client, Entry entry);
  // Stops refreshing; see the class comment for the callback guarantee. Never throws.
  void remove(std::uint64_t id) noexcept;
  // The key's value changed by the owner's own write (also renewing its TTL, sent at `sent_at`):
  // later refreshes compare against `value`, and a refresh already in flight with the old value
  // is not taken as a loss.
  void set_value(std::uint64_t id, std::string value, Clock::time_point sent_at);
  // Records a successful renewal done by the owner itself (a write carrying the TTL).
  void note_success(std::uint64_t id, Clock::time_point sent_at);
  // The local validity deadline: last success + TTL − margin. nullopt for unknown/lost ids.
  std::optional<Clock::time_point> valid_until(std::uint64_t id) const;
  // Margin subtracted from the TTL for the local deadline: max(500 ms, TTL/10).
  static Clock::duration margin(std::chrono::seconds ttl);
  std::size_t size() const;

 private:
  struct Slot {
    Client* client = nullptr;
    Entry entry;
    Clock::time_point next_due;
    std::uint64_t generation = 0;  // bumped by set_value
    bool in_flight = false;
    std::string lost_reason;               // set when the server said the key is gone
  };

  void run();
  Clock::time_point scan(Clock::time_point now);  // under mu_
  void send(std::uint64_t id, Slot& slot, Clock::time_point now);  // under mu_
  void on_result(std::uint64_t id, Clock::time_point sent_at, std::uint64_t generation, std::exception_ptr error);
  Clock::duration jittered_third(std::chrono::seconds ttl);  // under mu_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_.
  std::map<std::uint64_t, Slot> slots_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::map<std::uint64_t, std::pair<LostCallback, std::string>> pending_lost_;  // found lost, not reported yet
  std::uint64_t running_callback_ = 0;  // id whose on_lost runs now (0: none)
  std::mt19937_64 rng_;
  std::thread thread_;  // constant after construction
};

}  // namespace coord::recipes
