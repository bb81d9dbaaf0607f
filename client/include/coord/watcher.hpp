// coord::Watcher — a continuous watch over a key or a directory. It takes a snapshot (quorum GET),
// long-polls from snapshot index + 1, and follows every change in order: each event's
// modifiedIndex + 1 is the next waitIndex, so no event is lost or repeated, also across endpoint
// failures (the poll simply resumes on another member with the same index). When the server's
// event history no longer reaches back far enough (error 401), it re-reads the key and reports a
// resync with the fresh snapshot.
//
// A watch cannot go stale: a member cut off from the quorum keeps answering long polls (it just
// sees no new writes), so a watch that hears nothing for `confirm_after` confirms with a quorum
// read of its key. The read fails or times out on such a member, the client moves to another
// one, and the watch continues there from the same index (events it missed come from history, or
// a resync). The queue of events waiting for the callback is bounded (`max_queued`): when it is
// full, polling pauses until the callback has taken half of it. A watcher whose callback is too
// slow therefore falls behind the server instead of growing memory, and when the server's history
// no longer reaches back that far it resyncs — one kResync event whose `changes` hold only the
// latest state of each key that changed meanwhile (intermediate values are coalesced away).
//
// Threading: polling runs on the client's threads and never runs user code. Callbacks run one at
// a time, in order, on the watcher's own delivery thread, with no internal lock held. After the
// destructor returns no callback runs. Destroying the watcher from inside its own callback is
// allowed (that callback finishes, no other follows). Destroying it on one of the client's own
// threads (in a completion handler) waits at most 2 s for a running callback — which may be
// blocked on that very thread — and then returns while that callback finishes (no other
// follows). A Watcher must not outlive its Client.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "coord/client.hpp"
#include "coord/types.hpp"

namespace coord {

struct WatchEvent {
  enum class Type {
    kSnapshot,  // the initial read; response is the quorum GET (recursive, sorted)
    kEvent,     // one change; response is the etcd event (action, node, prev_node)
    kResync,    // history was lost (401): response is a fresh snapshot, `changes` what was missed
  };
  Type type = Type::kEvent;
  Response response;
  bool exists = true;            // snapshot/resync: false when the key did not exist
  std::uint64_t next_index = 0;  // the index the watch continues from
  // kResync only: the difference between the watcher's view before the history loss (snapshot
  // plus the events delivered since) and the fresh snapshot, as synthetic events in key order —
  // "set" (prev_node when it replaced something) or "delete" (prev_node = the old node). Apply
  // them like ordinary events to catch up. Intermediate changes that cancel out are not seen.
  std::vector<Response> changes;
};

struct WatcherOptions {
  bool recursive = false;                         // watch everything below a directory
  std::optional<std::uint64_t> start_index;       // skip the snapshot and start at this waitIndex
  std::chrono::milliseconds poll_timeout{30000};  // one long poll; then it is renewed (same index)
  // A watch that has heard no event (and no confirmation) for this long confirms with a quorum
  // GET of its key before it polls again; failing that read moves it to another member. Zero
  // turns the check off (the watch then trusts whichever member it polls).
  std::chrono::milliseconds confirm_after{30000};
  // Events (and errors) waiting for the callback, at most. Full: polling pauses until half are
  // delivered; further errors are dropped while full. At least 2.
  std::size_t max_queued = 1024;
  // Errors met while the watcher keeps retrying (connection failures, ...). Runs on the delivery
  // thread like the event callback. Optional.
  std::function<void(std::exception_ptr)> on_error;
};

class Watcher {
 public:
  using Callback = std::function<void(const WatchEvent&)>;

  // Starts watching at once. `client` must outlive the watcher.
  Watcher(Client& client, std::string key, Callback callback, WatcherOptions options = {});
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // The waitIndex of the next poll.
  std::uint64_t next_index() const;
  // How many times history loss forced a re-read.
  std::uint64_t resync_count() const;
  // How many quorum reads confirmed a quiet watch so far.
  std::uint64_t confirm_count() const;
  // How many times a full delivery queue paused polling.
  std::uint64_t pause_count() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace coord
