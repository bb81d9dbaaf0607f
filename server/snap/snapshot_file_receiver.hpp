// SnapshotFileReceiver: writes a snapshot file (server/snap/snap_format.hpp) that arrives in
// pieces — from a leader, over the network — into the snapshot directory, without ever holding
// more than one piece and the file's header in memory. The bytes are the .snap file exactly as
// the leader stores it; they go to a temp file "<name>.recv.tmp" (removed at startup like every
// other temp file, server/snap/snapshotter.hpp) and are checked as they come: no more than the
// declared size is accepted, the header must be a snapshot header naming exactly the expected
// point (index, term, voters) and a size equal to the declared one, and the CRC of the whole
// must match. finish() makes the file durable (fsync), renames it to "<term>-<index>.snap" and
// syncs the directory: from then on it is a snapshot file like one written by a save. A receiver
// destroyed before a successful finish() removes its temp file (a cut-off or refused transfer
// leaves nothing behind).
//
// Thread-safety: none; one owner. Several receivers of different points may run at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/raft/types.hpp"

namespace coord::snap {

class SnapshotFileReceiver {
 public:
  // The largest file accepted at all (the declared size is checked against it first).
  static constexpr std::uint64_t kMaxFileBytes = 8ull << 30;

  // Starts receiving the file of `expected` (index and term name the file; the voters must match
  // too), `file_bytes` long. kInvalidArgument when the size cannot be a snapshot file of any
  // kind (too short, or over kMaxFileBytes); an I/O error when the temp file cannot be created.
  static Result<std::unique_ptr<SnapshotFileReceiver>> begin(FileSystem& fs, std::string dir,
                                                             const raft::SnapshotMetadata& expected,
                                                             std::uint64_t file_bytes);
  ~SnapshotFileReceiver();
  SnapshotFileReceiver(const SnapshotFileReceiver&) = delete;
  SnapshotFileReceiver& operator=(const SnapshotFileReceiver&) = delete;

  // The next bytes of the file. kCorruption when they go past the declared size or the header
  // (once complete) is not the expected one; the receiver is then of no further use.
  Status append(std::string_view bytes);
  // How many bytes are still expected.
  std::uint64_t remaining() const { return file_bytes_ - received_; }
  // Every byte is in: checks the CRC, syncs, renames into place and syncs the directory.
  // kCorruption for a short file or a CRC mismatch (the temp file is removed).
  Status finish();
  // The temp file's path (to read it before finish(), e.g. to check its data decodes).
  const std::string& temp_path() const { return tmp_; }
  // The final path (once finish() succeeded).
  const std::string& path() const { return path_; }

 private:
  SnapshotFileReceiver(FileSystem& fs, std::string dir, const raft::SnapshotMetadata& expected,
                       std::uint64_t file_bytes);
  Status check_header();
  void discard();

  FileSystem& fs_;
  const std::string dir_;
  const raft::SnapshotMetadata expected_;
  const std::uint64_t file_bytes_;
  std::string path_, tmp_;
  std::unique_ptr<File> file_;
  std::string header_;            // the header's bytes until it is complete and checked
  bool header_checked_ = false;
  std::uint64_t received_ = 0;
  std::uint64_t unsynced_ = 0;    // bytes appended since the last datasync
  std::uint32_t crc_ = 0;         // over [0, file_bytes - kCrcBytes) received so far
  std::string stored_crc_;        // the last kCrcBytes bytes, as they arrive
  bool failed_ = false;
  bool done_ = false;
};

}  // namespace coord::snap
