// detail::QueueEntry — one TTL'd in-order key in a recipe's queue directory (recipes.md §4.4),
// shared by SequencedLock, Semaphore, LeaderElection and Barrier. The entry is created by POST,
// kept alive by the shared Refresher from the moment it exists (its Lease says whether it still
// is), and waits for its turn by watching only its predecessor (one slot) or the directory
// (several slots). When our own entry is lost while waiting, the wait ends at once with
// RecipeError::kSessionExpired instead of hanging.
//
// Every entry's value is unique to its owner. A POST whose outcome stays unknown is never
// repeated blindly: a later listing adopts the entry holding our value; when none is visible yet
// we POST again, and any second entry holding our value that shows up later (the first POST,
// committed late) is ours and is removed, never waited on.
//
// Thread-safety: one owner thread calls enqueue/wait_turn/leave; lease() may be read from any
// thread. on_lost runs on the refresher's notification thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.hpp"
#include "coord/recipes/lease.hpp"

namespace coord::recipes::detail {

struct QueuedNode {
  std::string key;
  std::string value;
  std::uint64_t created_index = 0;
};

class QueueEntry {
 public:
  using Clock = std::chrono::steady_clock;

  QueueEntry(Client& client, std::string dir, std::chrono::seconds ttl, std::string value,
             std::function<void(const std::string&)> on_lost);
  ~QueueEntry();  // leave()
  QueueEntry(const QueueEntry&) = delete;
  QueueEntry& operator=(const QueueEntry&) = delete;

  // POSTs our entry (or adopts the one an unresolved POST left) and starts refreshing it.
  // Throws client errors.
  void enqueue();
  // Waits until fewer than `slots` entries precede ours. False when `deadline` passed (the entry
  // stays; call leave()). Throws RecipeError::kSessionExpired when our entry was lost.
  bool wait_turn(std::size_t slots, std::optional<Clock::time_point> deadline);

  // What keeps our entry waiting, given the sorted entries and our position among them: nullopt
  // when it may go, else the key to watch until it changes (the directory, recursively, when
  // `recursive`). Watching only the one entry that blocks us keeps waking herd-free.
  struct Blocker {
    std::string key;
    bool recursive = false;
  };
  using BlockerOf = std::function<std::optional<Blocker>(const std::vector<QueuedNode>& entries, std::size_t position)>;
  // wait_turn() with any rule: waits until `blocker_of` says nothing blocks us.
  bool wait_until_unblocked(const BlockerOf& blocker_of, std::optional<Clock::time_point> deadline);
  // Stops refreshing and removes our entry (owner-checked, bounded). Never throws. Returns false
  // when the server said our entry was already gone or not ours (true when it was removed, or
  // when nothing was queued, or the cluster did not answer).
  bool leave() noexcept;

  // The lease of our entry (nullptr before enqueue()).
  std::shared_ptr<Lease> lease() const { return lease_.load(); }
  bool lost() const;
  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }
  std::uint64_t created_index() const { return created_index_; }

  // The directory's entries sorted by createdIndex (quorum read) and the read's etcd index.
  static std::vector<QueuedNode> list(Client& client, const std::string& dir, std::uint64_t* etcd_index,
                                      std::chrono::milliseconds timeout);

 private:
  // Lists the directory and adopts an entry holding our value, if there is one.
  std::optional<std::pair<Node, Clock::time_point>> find_and_adopt();
  // Removes entries holding our value under another key (late copies of an unresolved POST)
  // from `entries` and from the server.
  void drop_own_copies(std::vector<QueuedNode>& entries);

  Client& client_;
  const std::string dir_;
  const std::chrono::seconds ttl_;
  const std::string value_;
  std::function<void(const std::string&)> on_lost_;
  std::string key_;                  // owner thread
  std::uint64_t created_index_ = 0;  // owner thread
  bool ambiguous_post_ = false;      // owner thread: a POST of ours may still land
  std::atomic<std::uint64_t> refresh_id_{0};
  std::atomic<std::shared_ptr<Lease>> lease_;
};

// Takes over a key we may have written with `value` whose write had an unknown outcome: an
// owner-checked refresh. Returns the key's node and the refresh's send time (the lease starts
// there), or nullopt when the key does not hold our value.
std::optional<std::pair<Node, std::chrono::steady_clock::time_point>> adopt_key(Client& client, const std::string& key,
                                                            const std::string& value, std::chrono::seconds ttl);

// For a create of `key` with our unique `value` that failed in transport (the write may have
// applied, or may still): adopt_key() when it holds our value; otherwise remove it if it is
// there, so that a retry is not refused for a TTL, and rethrow the exception being handled.
// Call only from inside the catch block of that failure.
std::pair<Node, std::chrono::steady_clock::time_point> adopt_or_withdraw(Client& client, const std::string& key,
                                                                         const std::string& value, std::chrono::seconds ttl);

}  // namespace coord::recipes::detail
