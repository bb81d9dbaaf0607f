// coord::recipes::DoubleBarrier — a double barrier for `count` participants (Curator's
// DistributedDoubleBarrier, etcd's recipe of the same name) over the directory <prefix>/<name>:
// enter() POSTs a TTL'd entry under entries/ (a value unique to this participant, kept alive by
// the shared Refresher) and waits until `count` distinct participants are in; the first to see
// them creates the `ready` key (create-only, so one write wins) and everyone waiting passes.
// leave() removes our entry and waits until no entry is left.
//
// Partitions and pauses: participants are counted by their unique value, so an entry whose POST
// landed twice counts once. A participant that dies, or is cut off or paused past its TTL, stops
// counting once its entry expires: leave() of the others then completes instead of hanging on
// it, and enter() does not count it. A participant that learns its own entry is gone (lost
// lease) gets RecipeError::kSessionExpired from enter()/leave() instead of waiting on.
// What it cannot do: tell a participant that expired from one that finished — leave() completes
// in both cases. The `ready` key stays, so one name serves one round (or call reset()).
//
// Thread-safety: one owner thread. Move-only. The destructor withdraws our entry (bounded) and
// never throws. The Client must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"

namespace coord::recipes {

struct DoubleBarrierOptions {
  std::chrono::seconds ttl{10};
  std::string prefix = kDoubleBarriersPrefix;
};

class DoubleBarrier {
 public:
  DoubleBarrier(Client& client, std::string name, std::size_t count, DoubleBarrierOptions options = {});
  ~DoubleBarrier();
  DoubleBarrier(DoubleBarrier&&) noexcept;
  DoubleBarrier& operator=(DoubleBarrier&&) noexcept;

  // Enters (once) and waits until `count` distinct participants entered; false after `timeout`
  // (our entry stays: call enter() again to keep waiting, or leave()). Throws
  // RecipeError::kSessionExpired when our entry was lost, client errors retrying cannot cure.
  bool enter(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());
  // Removes our entry (once) and waits until every participant has left (or expired); false
  // after `timeout`. Throws RecipeError::kState before enter().
  bool leave(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());
  // Removes the whole barrier directory (for reuse). Throws client errors other than "not found".
  static void reset(Client& client, std::string name, DoubleBarrierOptions options = {});

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace coord::recipes
