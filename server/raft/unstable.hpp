// Unstable: the tail of the Raft log not yet persisted (entries and possibly an incoming
// snapshot), waiting to be handed out in a Ready. Part of RaftLog; call only inside a round
// (server/README.md).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "server/raft/types.hpp"

namespace coord::raft {

class Unstable {
 public:
  explicit Unstable(std::uint64_t offset) : offset_(offset) {}

  // First index known from the snapshot, if one is pending.
  std::optional<std::uint64_t> maybe_first_index() const;
  std::optional<std::uint64_t> maybe_last_index() const;
  std::optional<std::uint64_t> maybe_term(std::uint64_t i) const;

  // Entries up to (i, t) were persisted: forget them.
  void stable_to(std::uint64_t i, std::uint64_t t);
  // The pending snapshot at index i was persisted.
  void stable_snap_to(std::uint64_t i);
  // Replaces everything with an incoming snapshot.
  void restore(const Snapshot& s);
  // Appends, truncating any unstable entries at or after ents.front().index.
  void truncate_and_append(std::vector<Entry>&& ents);
  // Entries in [lo, hi); both must lie within the unstable range.
  std::vector<Entry> slice(std::uint64_t lo, std::uint64_t hi) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }
  std::uint64_t offset() const { return offset_; }

 private:
  // Invariant: entries_[i].index == offset_ + i.
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  std::uint64_t offset_;
};

}  // namespace coord::raft
