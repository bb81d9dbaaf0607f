// Storage: the read side of the persisted Raft log that the Raft core consults (entries, terms,
// the latest snapshot, the persisted hard state). The raft loop owns and writes it; Raft only
// reads. Implementations need not be thread-safe: call only inside a round (server/README.md).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "server/common/status.hpp"
#include "server/raft/types.hpp"

namespace coord::raft {

// The requested index is older than the first retained entry (it was compacted into a
// snapshot). Code kNotFound.
Status err_compacted();
// The requested index is newer than the last stored entry, or the snapshot is being built and
// is temporarily unavailable. Code kUnavailable.
Status err_unavailable();
// apply_snapshot/create_snapshot was given an index older than the current snapshot. Code kAborted.
Status err_snapshot_out_of_date();

bool is_compacted(const Status& s);
bool is_unavailable(const Status& s);

class Storage {
 public:
  virtual ~Storage() = default;

  // The persisted hard state and the membership recorded in the latest snapshot (empty when
  // there is none). A fresh node returns empty values.
  virtual Result<std::pair<HardState, ConfState>> initial_state() const = 0;
  // Entries in [lo, hi), at most max_bytes of entry data in total but always at least one
  // entry when lo < hi. err_compacted() if lo <= the snapshot index; err_unavailable() if hi >
  // last_index() + 1.
  virtual Result<std::vector<Entry>> entries(std::uint64_t lo, std::uint64_t hi,
                                             std::uint64_t max_bytes) const = 0;
  // Term of entry i, for i in [first_index() - 1, last_index()] (first_index() - 1 is the
  // snapshot's index and answers with the snapshot's term). Otherwise err_compacted() or
  // err_unavailable().
  virtual Result<std::uint64_t> term(std::uint64_t i) const = 0;
  // Index of the first entry still available (snapshot index + 1).
  virtual std::uint64_t first_index() const = 0;
  // Index of the last stored entry (the snapshot index when the log is empty).
  virtual std::uint64_t last_index() const = 0;
  // The latest snapshot; err_unavailable() if it is not ready yet (Raft retries later).
  virtual Result<Snapshot> snapshot() const = 0;
};

}  // namespace coord::raft
