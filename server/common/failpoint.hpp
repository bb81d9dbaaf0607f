// Failpoints: named places in coordd where a fault test can make the process crash, fail the
// operation or stall, chosen at start by the environment variable COORD_FAILPOINTS, e.g.
//   COORD_FAILPOINTS=wal_after_save=crash,fdatasync=stall:2000,snap_before_apply=error@3
// Each entry is `point=action[@skip]`: the action is `crash` (the process ends at once with
// _exit, no flush, no destructor: a power cut of the process), `error` (the operation fails with
// an I/O error, as a failing disk or socket would), or `stall:MS` (the calling thread sleeps MS
// milliseconds: a slow disk or a paused sender). `@skip` lets the first `skip` hits pass, so a
// member can start and serve before its disk goes bad. A point where the operation cannot fail
// (conf_before_apply) refuses `error`. Every action is printed to stderr as it
// fires ("coordd: failpoint wal_after_save: crash"); a crash exits with status 86.
//
// Off unless named: a call site costs one relaxed atomic load while no failpoint is configured,
// so the request path does not get slower.
//
// Thread-safety: configure*() must run once, before any other thread exists (coordd's main);
// hit() is safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/common/status.hpp"

namespace coord::failpoint {

enum class Point : std::uint8_t {
  kWalBeforeSave,          // wal_before_save: before a batch of entries and hard state is written
  kWalAfterSave,           // wal_after_save: after it was written (and synced when asked)
  kFdatasync,              // fdatasync: the WAL's data sync of a saved batch
  kBeforeSend,             // before_send: before a batch of raft messages goes to a peer
  kSnapBeforeSave,         // snap_before_save: before a snapshot file (made here or received) is written
  kSnapAfterSave,          // snap_after_save: after it is durable (file, rename and directory synced)
  kSnapBeforeApply,        // snap_before_apply: before a snapshot received from the leader is saved
                           //   and installed (the member's state is still the old one)
  kSnapAfterApply,         // snap_after_apply: after it is durable and marked in the WAL, right
                           //   before the store is replaced by it
  kConfBeforeApply,        // conf_before_apply: before a committed conf change (member add, remove or
                           //   update) is applied; crash or stall only, as applying one cannot fail
  kSnapSendMidway,         // snap_send_midway: when the leader has written the message and exactly half
                           //   the file of a snapshot to a follower (error: the send is abandoned there)
  kCount,
};

// The name COORD_FAILPOINTS uses for `point`.
std::string_view name(Point point);

enum class ActionKind : std::uint8_t { kOff, kCrash, kError, kStall };

struct Action {
  ActionKind kind = ActionKind::kOff;
  std::uint32_t stall_ms = 0;  // kStall only
  std::uint64_t skip = 0;      // hits that pass before the action fires
};

using Table = std::array<Action, static_cast<std::size_t>(Point::kCount)>;

// Parses a COORD_FAILPOINTS value ("" configures nothing). An unknown point, an unknown action,
// `error` at a point that cannot fail, a point named twice or a malformed number is an
// invalid_argument naming the culprit.
Result<Table> parse(std::string_view spec);

// Installs `table` (replacing what was configured).
void configure(const Table& table);
// Parses and installs $COORD_FAILPOINTS; an error names the variable and what is wrong in it.
Status configure_from_environment();

namespace detail {
// True once any point is configured: the only thing a call site reads when none is.
extern std::atomic<bool> any_configured;
// The slow path: counts the hit, prints and performs the action. True when it is kError.
bool fire(Point point);
}  // namespace detail

// Call at the failpoint. Returns true when the caller must fail the operation (action `error`);
// `crash` does not return; `stall` returns false after the pause.
inline bool hit(Point point) {
  if (!detail::any_configured.load(std::memory_order_relaxed)) [[likely]]
    return false;
  return detail::fire(point);
}

// The Status a call site returns for an `error` action.
Status injected_error(Point point);

}  // namespace coord::failpoint
