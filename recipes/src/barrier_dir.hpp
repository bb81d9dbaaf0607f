// Internal: the directory both barriers (Barrier, DoubleBarrier) are built on, and the one loop
// that waits on it. <dir>/entries holds one in-order TTL'd entry per participant, whose value is
// unique to that participant (a QueueEntry); <dir>/ready is created once, create-only, by the
// first participant that sees `count` of them.
//
// Participants are counted by value, not by entry: an entry whose POST landed twice (a late copy
// of an unresolved one) holds the same value and counts once.
//
// Thread-safety: free functions; each call uses only its arguments (the Client is thread-safe).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "coord/client.hpp"
#include "recipes/src/queue_entry.hpp"
#include "recipes/src/recipe_util.hpp"

namespace coord::recipes::detail {

// What one quorum read of a barrier directory shows.
struct BarrierView {
  bool ready = false;
  std::set<std::string> participants;  // distinct entry values
};

// Adds our entry (a fresh unique value) under <dir>/entries; the returned entry keeps it alive
// and withdraws it on destruction.
std::unique_ptr<QueueEntry> join_barrier(Client& client, const std::string& dir, std::chrono::seconds ttl);

// Reads the directory (quorum) until `done(view)` gives true (returns true) or `deadline` passes
// (returns false); while `done` gives false, watches the directory from the read's index + 1,
// each watch for at most `watch_cap`. `done` may act (open the barrier) and give nullopt to read
// again at once. `check` runs before every read and may throw to end the wait. Transport
// failures are retried until the deadline; a missing directory reads as an empty view.
bool wait_on_barrier(Client& client, const std::string& dir, std::optional<Clock::time_point> deadline,
                     std::chrono::milliseconds watch_cap, const std::function<void()>& check,
                     const std::function<std::optional<bool>(const BarrierView&)>& done);

// The arrival condition of both barriers: true when `ready` exists or, `count` participants
// being in, this call created it (or found it created); false while fewer are in; nullopt when
// the create's outcome is unknown (read again).
std::optional<bool> ready_or_open(Client& client, const std::string& dir, std::size_t count, const BarrierView& view);

// Removes the whole directory (missing: nothing to do).
void reset_barrier(Client& client, const std::string& dir);

}  // namespace coord::recipes::detail
