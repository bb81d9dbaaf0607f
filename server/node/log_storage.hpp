// LogStorage: the raft::Storage the Raft core reads on a coordd member — the in-memory log
// (raft::MemoryStorage) for entries, terms and the latest snapshot's metadata. The snapshot's data
// is never read here: a follower that needs the snapshot gets a message carrying its metadata
// only, and the transport streams the data from the snapshot file of that index and term, off
// the raft thread and in bounded pieces (server/transport/snapshot_sender.hpp). Holding the data,
// or reading it when Raft builds the message, would put the whole store's image (hundreds of MB)
// in memory and stall the raft loop while it is read.
//
// Thread-safety: none; only inside a round (as MemoryStorage).
#pragma once

#include "server/raft/memory_storage.hpp"
#include "server/raft/storage.hpp"

namespace coord::node {

class LogStorage final : public raft::Storage {
 public:
  // `memory` must outlive this object.
  explicit LogStorage(const raft::MemoryStorage& memory) : memory_(memory) {}

  Result<std::pair<raft::HardState, raft::ConfState>> initial_state() const override {
    return memory_.initial_state();
  }
  Result<std::vector<raft::Entry>> entries(std::uint64_t lo, std::uint64_t hi, std::uint64_t max_bytes) const override {
    return memory_.entries(lo, hi, max_bytes);
  }
  Result<std::uint64_t> term(std::uint64_t i) const override { return memory_.term(i); }
  std::uint64_t first_index() const override { return memory_.first_index(); }
  std::uint64_t last_index() const override { return memory_.last_index(); }
  // The latest snapshot's metadata; its data stays in its file (empty here).
  Result<raft::Snapshot> snapshot() const override;

 private:
  const raft::MemoryStorage& memory_;
};

}  // namespace coord::node
