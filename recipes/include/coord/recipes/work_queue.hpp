// coord::recipes::WorkQueue — a work queue with leased claims (Curator's DistributedQueue with
// lock-safe consumers; recipes.md §4.5 "work queues") over the directory <prefix>/<name>:
//   items/<in-order key>  an item, POSTed by push(); value = the payload; removed by ack();
//   claims/<item key>     a consumer's claim: created only if absent (so one consumer wins),
//                         TTL'd and kept alive by the shared Refresher, value = that consumer's
//                         unique token.
// claim() takes the oldest item that has no claim, in queue order. A consumer that dies, or is
// cut off or paused past its TTL, loses its claim when the claim key expires, and the item goes
// back to the queue (the next claim() takes it, with a larger fencing token). ack() removes the
// item and then the claim; release() (or the WorkItem destructor) gives the item back at once.
//
// Partitions and pauses: holds() follows the lease rule of lease.hpp — a consumer partitioned or
// paused stops believing it holds the item before its claim can expire on the server and let
// another consumer take it, so no item is processed twice while its claimer holds the lease;
// ack() refuses (RecipeError::kLost, nothing removed) once the claim is no longer held. What it
// cannot do: stop a paused consumer from acting when it resumes (downstream writes should carry
// fencing_token(), the claim's createdIndex); an item whose push() had an unknown outcome is
// reported as such (TransportError), never pushed twice blindly. Consumers with nothing to claim
// watch the directory, so a change wakes all idle consumers (a herd bounded by their number).
//
// Thread-safety: WorkQueue is safe for concurrent use (each call is independent). A WorkItem
// belongs to one owner thread; holds()/stop_token() from any thread. Move-only; the destructor
// releases (bounded) and never throws. The Client must outlive both.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"

namespace coord::recipes {

struct WorkQueueOptions {
  std::chrono::seconds ttl{30};  // of a claim
  std::string prefix = kWorkQueuesPrefix;
};

// One claimed item.
class WorkItem {
 public:
  ~WorkItem();  // release() unless acknowledged
  WorkItem(WorkItem&&) noexcept;
  WorkItem& operator=(WorkItem&&) noexcept;

  const std::string& id() const;       // the item's key name (its queue position)
  const std::string& payload() const;
  // The claim's createdIndex: larger for every later claim of any item (a fencing token).
  std::uint64_t fencing_token() const;
  // True while our claim is held by the lease rule (lease.hpp).
  bool holds() const;
  // Requested when the claim is lost.
  std::stop_token stop_token() const;
  // Done: removes the item, then our claim. Throws RecipeError::kLost (removing nothing) when the
  // claim is no longer held, RecipeError::kState after ack()/release(), client errors otherwise.
  // After a client error (TransportError::kOutcomeUnknown included) the item is still ours: call
  // ack() again (an item already removed counts as removed).
  void ack();
  // Gives the item back to the queue (removes our claim). Never throws.
  void release() noexcept;

  struct State;
  explicit WorkItem(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> s_;
};

class WorkQueue {
 public:
  WorkQueue(Client& client, std::string name, WorkQueueOptions options = {});

  // Appends an item; returns its id. Throws client errors (an unknown outcome included: the POST
  // is never repeated blindly).
  std::string push(std::string_view payload);
  // Claims the oldest unclaimed item, waiting up to `timeout` for one; nullopt on timeout.
  std::optional<WorkItem> claim(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());
  // Items in the queue, claimed or not (quorum read).
  std::size_t size() const;
  const std::string& directory() const { return dir_; }

 private:
  Client& client_;
  const std::string dir_;
  const WorkQueueOptions options_;
};

}  // namespace coord::recipes
