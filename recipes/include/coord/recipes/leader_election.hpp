// coord::recipes::LeaderElection — leader election over in-order TTL'd entries (recipes.md §4.4
// variant): campaign() queues a candidate entry holding our value and returns once it is the
// oldest; the leader stays leader while its entry is refreshed. resign() (or the destructor)
// removes the entry and the next candidate takes over; a dead leader is replaced after its TTL.
// observe() follows the current leader of the election without taking part. is_leader()
// follows the lease rule of lease.hpp: a partitioned or paused leader stops believing it leads
// before its entry can expire on the server and let the next candidate in.
//
// Listeners (Curator's LeaderSelector shape): start(value) campaigns on the election's own
// thread and reports each leadership through on_elected(term) and its end through
// on_revoked(reason) — a loss (the lease rule fires on_revoked no later than the server could
// let the next candidate in) or stop(). With auto_requeue the thread campaigns again at the tail
// of the queue after a loss. What it cannot do: tell a paused process in time — a process frozen
// past its TTL learns of the loss only when it runs again; the fencing token (term()) is what
// protects downstream writes then.
//
// Thread-safety: campaign/resign/start/stop from one owner thread; is_leader()/term() from any
// thread. on_elected/on_revoked run on the election's thread, one at a time, never after stop()
// or the destructor returned; they must not call start()/stop(), but may destroy the election
// (no listener runs after that; the thread ends when the listener returns). on_lost may destroy
// it too.
// Observer callbacks run on the observation's watcher thread, one at a time, never after the
// LeaderObservation is destroyed. Move-only. The Client must outlive both.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"
#include "coord/watcher.hpp"

namespace coord::recipes {

struct LeaderInfo {
  std::string value;              // what the leader passed to campaign()
  std::string key;                // its entry
  std::uint64_t created_index = 0;  // its term / fencing token
};

struct ElectionOptions {
  std::chrono::seconds ttl{10};
  std::string prefix = kElectionsPrefix;
  // Leadership lost (runs on the refresher's notification thread).
  std::function<void(const std::string& reason)> on_lost;
  // start() only: we became leader with this term (our entry's createdIndex, a fencing token).
  // Leadership lasts until on_revoked; stop_token() is requested when it is lost.
  std::function<void(std::uint64_t term)> on_elected;
  // start() only: the leadership announced by on_elected ended: "stopped" after stop(), else
  // the loss reason.
  std::function<void(const std::string& reason)> on_revoked;
  // start() only: after a lost leadership (or a candidacy whose entry expired), campaign again.
  bool auto_requeue = false;
};

// Keeps a watch on an election; see LeaderElection::observe.
class LeaderObservation {
 public:
  using Callback = std::function<void(const std::optional<LeaderInfo>& leader)>;
  LeaderObservation(Client& client, std::string dir, Callback callback);
  ~LeaderObservation();
  LeaderObservation(LeaderObservation&&) noexcept;
  LeaderObservation& operator=(LeaderObservation&&) noexcept;
  // The leader as last seen by the watch.
  std::optional<LeaderInfo> current() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Watcher> watcher_;
};

class LeaderElection {
 public:
  using Clock = std::chrono::steady_clock;

  LeaderElection(Client& client, std::string name, ElectionOptions options = {});
  ~LeaderElection();
  LeaderElection(LeaderElection&&) noexcept;
  LeaderElection& operator=(LeaderElection&&) noexcept;

  // Becomes a candidate with `value` and blocks until leader. Throws RecipeError::kSessionExpired
  // when our entry expired while waiting.
  void campaign(std::string value);
  // As campaign(), giving up (and withdrawing) after `timeout`; true when leader.
  bool campaign_for(std::string value, std::chrono::milliseconds timeout);
  // Steps down (or withdraws the candidacy). Never throws.
  void resign() noexcept;
  // Campaigns with `value` on the election's own thread and returns at once; reports through
  // options.on_elected/on_revoked (see the header comment). Throws RecipeError::kState when
  // already campaigning.
  void start(std::string value);
  // Ends start(): withdraws the candidacy or steps down (on_revoked("stopped") when leader) and
  // joins the thread (bounded by the removal's own bound). Never throws.
  void stop() noexcept;
  // True between start() and stop() (also while the thread waits to requeue).
  bool started() const;
  // True while leader and before our entry's lease deadline (see lease.hpp).
  bool is_leader() const;
  // Requested when the current (or last) leadership's lease is lost.
  std::stop_token stop_token() const;
  // Our entry's createdIndex while leader: increases across leaders (a fencing token).
  std::uint64_t term() const;
  // The current leader (quorum read of the election directory); nullopt when there is none.
  std::optional<LeaderInfo> leader() const;
  // Follows leader changes; the callback gets the initial leader and then every change.
  LeaderObservation observe(LeaderObservation::Callback callback) const;
  const std::string& directory() const;

  struct State;

 private:
  std::shared_ptr<State> s_;  // shared with the election's thread, which may outlive us (see stop())
};

}  // namespace coord::recipes
