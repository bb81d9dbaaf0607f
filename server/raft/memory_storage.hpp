// MemoryStorage: an in-memory Storage, the log the raft loop keeps in RAM next to its WAL (as in
// etcd: the WAL is for durability, MemoryStorage is what Raft reads). Also the persisted state
// of a simulated node in tests. Not thread-safe: call only inside a round (server/README.md).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "server/raft/storage.hpp"

namespace coord::raft {

class MemoryStorage : public Storage {
 public:
  MemoryStorage();

  Result<std::pair<HardState, ConfState>> initial_state() const override;
  Result<std::vector<Entry>> entries(std::uint64_t lo, std::uint64_t hi,
                                     std::uint64_t max_bytes) const override;
  Result<std::uint64_t> term(std::uint64_t i) const override;
  std::uint64_t first_index() const override;
  std::uint64_t last_index() const override;
  Result<Snapshot> snapshot() const override;

  // Appends entries (Ready::entries). Entries must be contiguous; any stored entries at or
  // after entries.front().index are replaced (a follower's log truncation). Entries already
  // covered by the snapshot are skipped. Error if the first entry would leave a gap.
  Status append(const std::vector<Entry>& entries);
  // Records the hard state (Ready::hard_state).
  void set_hard_state(const HardState& hs);
  const HardState& hard_state() const { return hard_state_; }
  // Replaces the whole log with the snapshot (Ready::snapshot received from a leader).
  // err_snapshot_out_of_date() if it is older than the current one.
  Status apply_snapshot(const Snapshot& snap);
  // Records a snapshot of the application's state as of `index` (<= last applied, <=
  // last_index()) without discarding entries; call compact() afterwards to free them.
  Result<Snapshot> create_snapshot(std::uint64_t index, const ConfState& conf_state,
                                   std::string data);
  // Discards entries up to and including `index` (which must not exceed last_index()).
  // err_compacted() if already compacted that far. With `discarded`, the entries are moved
  // there instead of destroyed, so that the caller can free them elsewhere (on a busy machine,
  // freeing 10,000 entries allocated by other threads took a round 15-23 ms).
  Status compact(std::uint64_t index, std::vector<Entry>* discarded = nullptr);
  // Where to compact() so as to keep, of the entries up to `upto` (<= last_index()), the last
  // ones that number at most `max_entries` and hold at most `max_bytes` of data together: the
  // highest i such that (i, upto] fits. Below first_index() when nothing may go.
  std::uint64_t compaction_point(std::uint64_t upto, std::uint64_t max_entries, std::uint64_t max_bytes) const;

 private:
  // Invariant: ents_[0] is a dummy holding the snapshot's index and term; ents_[i].index ==
  // ents_[0].index + i.
  // A deque, not a vector: appending never moves the entries already held. With snapshots far
  // apart the log holds up to a million entries, and a vector's doubling moved all of them
  // inside one save on the raft loop (33 ms at 512k entries: every write waited for it).
  // Compaction erases at the front, which a deque also does without moving the rest.
  std::deque<Entry> ents_;
  HardState hard_state_;
  Snapshot snapshot_;
};

}  // namespace coord::raft
