// RaftLog: the whole Raft log as one sequence, stitched from Storage (persisted) and Unstable
// (not yet persisted), plus the commit and applied indexes. Internal to the Raft core; call
// only inside a round (server/README.md).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "server/common/status.hpp"
#include "server/raft/storage.hpp"
#include "server/raft/unstable.hpp"

namespace coord::raft {

constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

class RaftLog {
 public:
  explicit RaftLog(Storage* storage);

  std::uint64_t first_index() const;
  std::uint64_t last_index() const;
  std::uint64_t last_term() const;
  // Term of entry i; 0 if i is outside [first_index() - 1, last_index()].
  Result<std::uint64_t> term(std::uint64_t i) const;
  std::uint64_t term_or_zero(std::uint64_t i) const;
  bool match_term(std::uint64_t i, std::uint64_t t) const;
  // Raft §5.4.1: is a log ending at (last_index, last_term) at least as up to date as ours?
  bool is_up_to_date(std::uint64_t last_index, std::uint64_t last_term) const;

  // Follower side of AppendEntries. Returns the last index of the new entries if the log
  // contains (index, log_term); nullopt otherwise (reject).
  std::optional<std::uint64_t> maybe_append(std::uint64_t index, std::uint64_t log_term,
                                            std::uint64_t committed,
                                            const std::vector<Entry>& ents);
  // Appends at the tail (leader), returns the new last index.
  std::uint64_t append(std::vector<Entry>&& ents);
  // First index among ents that conflicts with (or is missing from) our log; 0 if none.
  std::uint64_t find_conflict(const std::vector<Entry>& ents) const;
  // The largest index <= index whose term is <= term (the fast back-off hint).
  std::pair<std::uint64_t, std::uint64_t> find_conflict_by_term(std::uint64_t index,
                                                                std::uint64_t term) const;

  // Entries in [lo, hi) limited to max_bytes (always at least one).
  Result<std::vector<Entry>> slice(std::uint64_t lo, std::uint64_t hi, std::uint64_t max_bytes) const;
  Result<std::vector<Entry>> entries_from(std::uint64_t i, std::uint64_t max_bytes) const;
  std::vector<Entry> unstable_entries() const { return unstable_.entries(); }
  // Committed entries not yet applied.
  std::vector<Entry> next_entries() const;
  bool has_next_entries() const;
  // The pending incoming snapshot, else the storage's latest.
  Result<Snapshot> snapshot() const;
  bool has_pending_snapshot() const { return unstable_.snapshot().has_value(); }
  const std::optional<Snapshot>& pending_snapshot() const { return unstable_.snapshot(); }
  bool has_unstable_entries() const { return !unstable_.entries().empty(); }

  // Raft §5.4.2: commit max_index only if its entry is from the current term.
  bool maybe_commit(std::uint64_t max_index, std::uint64_t term);
  void commit_to(std::uint64_t to);
  void applied_to(std::uint64_t i);
  void stable_to(std::uint64_t i, std::uint64_t t) { unstable_.stable_to(i, t); }
  void stable_snap_to(std::uint64_t i) { unstable_.stable_snap_to(i); }
  void restore(const Snapshot& s);

  std::uint64_t committed() const { return committed_; }
  std::uint64_t applied() const { return applied_; }

 private:
  Status check_bounds(std::uint64_t lo, std::uint64_t hi) const;

  Storage* storage_;
  Unstable unstable_;
  // Invariant: applied_ <= committed_ <= last_index() (commit may run ahead of persistence).
  std::uint64_t committed_ = 0;
  std::uint64_t applied_ = 0;
};

}  // namespace coord::raft
