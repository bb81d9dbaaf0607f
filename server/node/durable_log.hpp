// DurableLog: the Raft log as it lives on disk and in memory — the WAL (server/wal), the
// snapshot files (server/snap) and the MemoryStorage the Raft core reads — kept in step.
// It opens a data directory (recovering the newest valid snapshot and the WAL after it) or
// creates a fresh one, and persists each Ready's hard state and entries with one write and at
// most one fdatasync (group commit). Owned by the raft thread; not thread-safe.
//
// Layout (like etcd): <data-dir>/member/wal/*.wal, <data-dir>/member/snap/*.snap.
// WAL metadata record: see kMetadataVersion below.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/raft/memory_storage.hpp"
#include "server/raft/types.hpp"

namespace coord::wal {
class Wal;
}
namespace coord::snap {
class Snapshotter;
}

namespace coord::node {

// WAL metadata, written at the start of every segment:
//   u8 version (=1) | u64 member id | u64 cluster id        (little-endian)
inline constexpr std::uint8_t kMetadataVersion = 1;

struct DurableLogOptions {
  std::size_t max_snapshots = 5;
  std::size_t max_wals = 5;
  std::uint64_t wal_segment_bytes = 64ull << 20;
};

class DurableLog {
 public:
  ~DurableLog();

  // Opens `data_dir`, creating it when it holds no WAL yet (then is_new() is true).
  // An existing WAL written by another member id or cluster id is an error.
  static Result<std::unique_ptr<DurableLog>> open(FileSystem& fs, const std::string& data_dir,
                                                  std::uint64_t member_id, std::uint64_t cluster_id,
                                                  DurableLogOptions options);

  // The member id and cluster id recorded in the WAL of `data_dir`; nullopt when it has no WAL
  // yet. A restarting member takes its identity from here, not from the flags: the id of a
  // member added at run time cannot be derived from them. Reads only; repairs nothing.
  static Result<std::optional<std::pair<std::uint64_t, std::uint64_t>>> recorded_identity(
      FileSystem& fs, const std::string& data_dir);

  bool is_new() const { return is_new_; }
  // The snapshot the state machine must be recovered from (empty() when none).
  const raft::Snapshot& recovered_snapshot() const { return recovered_snapshot_; }
  // The cluster id recorded in the WAL (on restart the flags' initial cluster is ignored).
  std::uint64_t cluster_id() const { return cluster_id_; }
  raft::MemoryStorage& storage() { return storage_; }

  // Persists a Ready's hard state and entries (WAL first, then the in-memory log).
  Status save(const std::optional<raft::HardState>& hard_state, const std::vector<raft::Entry>& entries,
              bool sync);
  // Persists a snapshot received from the leader and makes it the base of the in-memory log.
  Status save_received_snapshot(const raft::Snapshot& snapshot);
  // Takes a snapshot of the applied state at `index`, then compacts the in-memory log keeping
  // `keep_entries` entries for slow followers, and releases old WAL segments and snapshot files.
  Status create_snapshot(std::uint64_t index, const raft::ConfState& conf_state, std::string data,
                         std::uint64_t keep_entries);

 private:
  DurableLog(FileSystem& fs, std::string data_dir, DurableLogOptions options);
  Status persist_snapshot(const raft::Snapshot& snapshot);

  FileSystem& fs_;
  const std::string data_dir_;
  const DurableLogOptions options_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<snap::Snapshotter> snapshotter_;
  raft::MemoryStorage storage_;
  raft::Snapshot recovered_snapshot_;
  std::uint64_t cluster_id_ = 0;
  bool is_new_ = false;
};

}  // namespace coord::node
