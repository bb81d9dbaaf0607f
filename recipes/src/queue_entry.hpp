// detail::QueueEntry — one TTL'd in-order key in a recipe's queue directory (recipes.md §4.4),
// shared by SequencedLock, Semaphore and LeaderElection. The entry is created by POST, kept alive
// by the shared Refresher from the moment it exists, and waits for its turn by watching only its
// predecessor (one slot) or the directory (several slots). When our own entry expires while
// waiting, the wait ends at once with RecipeError::kSessionExpired instead of hanging.
//
// Thread-safety: one owner thread calls enqueue/wait_turn/leave; lost()/valid_until() may be read
// from any thread. on_lost runs on the refresher thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "coord/client.hpp"

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

  // POSTs our entry and starts refreshing it. Throws client errors.
  void enqueue();
  // Waits until fewer than `slots` entries precede ours. False when `deadline` passed (the entry
  // stays; call leave()). Throws RecipeError::kSessionExpired when our entry vanished.
  bool wait_turn(std::size_t slots, std::optional<Clock::time_point> deadline);
  // Stops refreshing and removes our entry (owner-checked, bounded). Never throws.
  void leave() noexcept;

  bool lost() const { return lost_.load(); }
  bool enqueued() const { return refresh_id_.load() != 0; }
  std::optional<Clock::time_point> valid_until() const;
  const std::string& key() const { return key_; }
  std::uint64_t created_index() const { return created_index_; }

  // The directory's entries sorted by createdIndex (quorum read) and the read's etcd index.
  static std::vector<QueuedNode> list(Client& client, const std::string& dir, std::uint64_t* etcd_index,
                                      std::chrono::milliseconds timeout);

 private:
  Client& client_;
  const std::string dir_;
  const std::chrono::seconds ttl_;
  const std::string value_;
  std::function<void(const std::string&)> on_lost_;
  std::string key_;                  // owner thread
  std::uint64_t created_index_ = 0;  // owner thread
  std::atomic<std::uint64_t> refresh_id_{0};
  std::atomic<bool> lost_{false};
  std::stop_source stop_;  // requested when our entry is lost: interrupts a running watch
};

}  // namespace coord::recipes::detail
