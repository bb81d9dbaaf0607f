// LogStorage: the raft::Storage the Raft core reads on a coordd member — the in-memory log
// (raft::MemoryStorage) for entries and terms, and the snapshot files on disk for snapshot data.
// The MemoryStorage keeps only the snapshot's metadata: holding the data too would keep a second
// copy of the whole store alive (hundreds of MB next to the tree itself) just for the rare
// follower that needs a snapshot. snapshot() reads the file instead.
//
// Thread-safety: none; only inside a round (as MemoryStorage).
#pragma once

#include "server/raft/memory_storage.hpp"
#include "server/raft/storage.hpp"
#include "server/snap/snapshotter.hpp"

namespace coord::node {

class LogStorage final : public raft::Storage {
 public:
  // Both must outlive this object.
  LogStorage(const raft::MemoryStorage& memory, snap::Snapshotter& snapshotter)
      : memory_(memory), snapshotter_(snapshotter) {}

  Result<std::pair<raft::HardState, raft::ConfState>> initial_state() const override {
    return memory_.initial_state();
  }
  Result<std::vector<raft::Entry>> entries(std::uint64_t lo, std::uint64_t hi, std::uint64_t max_bytes) const override {
    return memory_.entries(lo, hi, max_bytes);
  }
  Result<std::uint64_t> term(std::uint64_t i) const override { return memory_.term(i); }
  std::uint64_t first_index() const override { return memory_.first_index(); }
  std::uint64_t last_index() const override { return memory_.last_index(); }
  // The latest snapshot, its data read from its file. A file that cannot be read is reported
  // as err_unavailable() (Raft retries on a later heartbeat) and logged: the member itself
  // does not need the file to keep running.
  Result<raft::Snapshot> snapshot() const override;

 private:
  const raft::MemoryStorage& memory_;
  snap::Snapshotter& snapshotter_;
};

}  // namespace coord::node
