// ConnectionLimit: how many connections the listeners of one process may hold at once, so that
// clients can never take the descriptors the member needs for itself (WAL segments, snapshots,
// directory syncs, peer connections). The client and the peer listeners each have their own. A listener takes a slot before it accepts and the session
// holds it until it ends; with no slot free, listeners stop accepting (new connections wait in
// the kernel's backlog) until one is released.
// Thread-safety: every member is safe from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace coord::http {

class ConnectionLimit : public std::enable_shared_from_this<ConnectionLimit> {
 public:
  explicit ConnectionLimit(std::size_t max) : max_(max) {}

  // Descriptors kept out of the clients' reach for a process that may open `open_files_limit`
  // (its RLIMIT_NOFILE): an eighth of them, at least 64 and at most 1024.
  static std::size_t reserve_for(std::size_t open_files_limit);
  // The client connections a process with that limit may accept: the limit less its reserve.
  static std::size_t max_connections_for(std::size_t open_files_limit);
  // The peer connections it may accept, out of the reserve (half of it): a separate limit, so
  // that clients holding every client slot cannot keep the other members out.
  static std::size_t max_peer_connections_for(std::size_t open_files_limit);

  // A held slot (released when the last copy is dropped), or null when every slot is taken.
  std::shared_ptr<void> try_acquire();

  std::size_t max() const { return max_; }
  std::size_t held() const { return held_.load(std::memory_order_relaxed); }

 private:
  const std::size_t max_;
  std::atomic<std::size_t> held_{0};
};

// Raises this process's soft RLIMIT_NOFILE to its hard limit (as Go programs do at start) and
// returns the soft limit in force afterwards.
std::size_t raise_open_files_limit();

}  // namespace coord::http
