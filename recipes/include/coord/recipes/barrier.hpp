// coord::recipes::Barrier — a one-shot barrier for `count` participants over the directory
// <prefix>/<name>: each arrival POSTs a TTL'd entry under entries/; the participant that sees
// `count` entries creates the `ready` key (create-only, so exactly one write wins) and everyone
// waiting on the directory passes. A participant that dies before the barrier opens frees its
// place after its TTL. The `ready` key stays: reuse the barrier under a new name (or remove the
// directory with Barrier::reset).
//
// Thread-safety: one owner thread. Move-only. The destructor withdraws our entry (bounded) and
// never throws. The Client must outlive it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"

namespace coord::recipes {

struct BarrierOptions {
  std::chrono::seconds ttl{10};
  std::string prefix = kBarriersPrefix;
};

class Barrier {
 public:
  Barrier(Client& client, std::string name, std::size_t count, BarrierOptions options = {});
  ~Barrier();
  Barrier(Barrier&&) noexcept;
  Barrier& operator=(Barrier&&) noexcept;

  // Arrives (once) and waits until `count` distinct participants arrived; false after `timeout`
  // (also when the cluster is unreachable meanwhile). Throws client errors that retrying cannot
  // cure.
  bool arrive_and_wait(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());
  // True once the barrier opened (quorum read).
  bool opened() const;
  // Removes the whole barrier directory (for reuse). Throws client errors other than "not found".
  static void reset(Client& client, std::string name, BarrierOptions options = {});

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace coord::recipes
