// coord::recipes::LoadBalancerTable — a live, watched list of one service's instances (recipes.md
// §4.6), fed by a coord::Watcher on the ServiceRegistry directory: snapshot, then every change in
// order, resync after history loss. next() picks round-robin, or smooth weighted round-robin when
// some instance carries metadata "weight". While the cluster is unreachable the table keeps
// serving the last good list (stale() says so). Change callbacks receive the new list. Callers
// report instances that failed them (report_failure): next() skips those for a while, unless so
// many are ejected that the panic threshold says to use them all.
//
// Shrink guard (Envoy's and Finagle's panic threshold, applied to discovery): a resync — a fresh
// snapshot after the watch lost the server's history, e.g. after a partition longer than the
// TTLs — that lists fewer than `resync_panic_threshold` of the instances served before it is not
// believed, since a mass disappearance is far likelier an outage of the registrations' heartbeats
// than of the instances. The table keeps serving that last healthy list (panicking() says so),
// with what happens afterwards applied on top: an instance that (re-)registers is updated or
// added, and a removal seen as an event removes its instance. The panic ends, and instances
// gone on the server are dropped, once the server lists this share of the last healthy list
// again (or the guard is off). Removal events always apply: only a resync is doubted.
//
// Staleness and slow callbacks (coord/watcher.hpp): a quiet table confirms with a quorum read
// every confirm_after and moves off a member cut from the quorum. A slow on_change never grows
// memory: the watcher pauses at a bounded queue; if it falls out of the server's history, the
// resync replaces the list at once (on_change sees the latest list, the lists in between are
// coalesced away).
//
// Thread-safety: safe for concurrent use. The change callback runs on the watcher's delivery
// thread, one at a time, with no internal lock held, never after the destructor returns; it may
// destroy the table.
// The Client must outlive the table.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"
#include "coord/recipes/service_registry.hpp"
#include "coord/watcher.hpp"

namespace coord::recipes {

struct LoadBalancerOptions {
  std::string prefix = kServicesPrefix;
  // Local outlier ejection: report_failure(id) keeps the instance out of next() this long (or
  // until it re-registers under a new incarnation).
  std::chrono::milliseconds ejection_time{30000};
  // Panic threshold: when fewer than this fraction of the instances is not ejected, ejections
  // are ignored and next() picks among all of them (a flaky instance beats none at all).
  double panic_threshold = 0.5;
  // Shrink guard (see the class comment): a resync listing fewer than this fraction of the
  // instances served before it keeps the served list. 0 turns it off (resyncs replace the list).
  double resync_panic_threshold = 0.5;
  // A quiet watch confirms its member with a quorum read this often (WatcherOptions).
  std::chrono::milliseconds confirm_after{30000};
  // Called after every change of the list (and once after the initial snapshot).
  std::function<void(const std::vector<ServiceInstance>&)> on_change;
};

// Smooth weighted round-robin (as nginx does): over a list of (id, weight), each pick adds every
// weight to its running score and takes the highest, then subtracts the total. With equal
// weights it is plain round-robin. Not thread-safe (LoadBalancerTable locks around it).
class WeightedRoundRobin {
 public:
  // Returns the index into `weights` of the next pick; -1 for an empty list. Scores are kept by
  // id, so a list that changes keeps its rotation for the ids that stay.
  int next(const std::vector<std::pair<std::string, std::uint32_t>>& weights);

 private:
  std::map<std::string, std::int64_t> score_;
};

class LoadBalancerTable {
 public:
  LoadBalancerTable(Client& client, std::string service, LoadBalancerOptions options = {});
  ~LoadBalancerTable();
  LoadBalancerTable(const LoadBalancerTable&) = delete;
  LoadBalancerTable& operator=(const LoadBalancerTable&) = delete;

  // The next instance to use, skipping ejected ones (see LoadBalancerOptions); nullopt when the
  // list is empty.
  std::optional<ServiceInstance> next();
  // The caller could not use instance `id` (connection refused, errors): eject it locally for
  // ejection_time. Unknown ids are ignored.
  void report_failure(const std::string& id);
  // Ids ejected now.
  std::vector<std::string> ejected() const;
  // The current list, sorted by id.
  std::vector<ServiceInstance> instances() const;
  // True after the first snapshot arrived.
  bool ready() const;
  // Waits until `predicate(list)` holds (checked after the first snapshot and after each change,
  // on a copy, with no internal lock held: it may call the table) or `timeout` passes.
  bool wait_until(const std::function<bool(const std::vector<ServiceInstance>&)>& predicate,
                  std::chrono::milliseconds timeout) const;
  // True when the last poll failed (the list may be out of date; it is still served).
  bool stale() const;
  // True while the shrink guard serves the last healthy list instead of a resync's shorter one.
  bool panicking() const;

 private:
  void on_event(const WatchEvent& ev);
  // Recomputes served_ from by_id_ and kept_, ending the panic once by_id_ is large enough.
  void update_served_locked();
  std::vector<ServiceInstance> list_locked() const;

  LoadBalancerOptions options_;  // constant; options_.on_change moved into on_change_
  // Shared with the frame that runs it: the callback may destroy the table.
  std::shared_ptr<const std::function<void(const std::vector<ServiceInstance>&)>> on_change_;
  std::string dir_;              // constant
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  // Guarded by mu_. by_id_ is what the server lists; served_ is what next() and instances()
  // use: by_id_, or during a panic kept_ (the last healthy list minus the removals seen since)
  // with by_id_ laid over it. Invariant: kept_ is empty unless panicking.
  std::map<std::string, ServiceInstance> by_id_;
  std::map<std::string, ServiceInstance> served_;
  std::map<std::string, ServiceInstance> kept_;
  std::size_t healthy_size_ = 0;  // size of the last healthy list while panicking
  std::map<std::string, std::chrono::steady_clock::time_point> ejected_until_;  // guarded by mu_
  WeightedRoundRobin picker_;                     // guarded by mu_
  bool ready_ = false;                            // guarded by mu_
  bool stale_ = false;                            // guarded by mu_
  std::uint64_t version_ = 0;                     // guarded by mu_; bumped by every change
  std::unique_ptr<Watcher> watcher_;              // last: stopped first
};

}  // namespace coord::recipes
