// SnapshotImage: the data of one snapshot file (server/snap/snap_format.hpp), checked (header,
// size, CRC) and readable as one string_view without an anonymous copy of the file: on the real
// file system the file is mapped read-only (its pages are the page cache's, dropped under
// memory pressure and unmapped with the image), so installing a snapshot of hundreds of MB costs
// the store being built, not the store plus its text. On other file systems (tests, simulations)
// the file is read into memory.
//
// Thread-safety: immutable after open(); the view is valid while the image lives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/common/file.hpp"
#include "server/common/status.hpp"
#include "server/raft/types.hpp"

namespace coord::snap {

class SnapshotImage {
 public:
  // The snapshot file at `path`. kCorruption when it fails its checks or is not a file of
  // exactly `expected`'s index and term; kNotFound when there is no such file.
  static Result<SnapshotImage> open(FileSystem& fs, const std::string& path, const raft::SnapshotMetadata& expected);

  SnapshotImage(SnapshotImage&&) noexcept;
  SnapshotImage& operator=(SnapshotImage&&) noexcept;
  ~SnapshotImage();

  std::string_view data() const { return file().substr(data_offset_, data_bytes_); }
  const raft::SnapshotMetadata& metadata() const { return metadata_; }

 private:
  SnapshotImage() = default;
  void release();
  std::string_view file() const {
    return map_ != nullptr ? std::string_view(static_cast<const char*>(map_), map_bytes_) : std::string_view(owned_);
  }

  void* map_ = nullptr;       // the mapping, when mapped
  std::size_t map_bytes_ = 0;
  std::string owned_;         // the file's bytes, when read
  std::size_t data_offset_ = 0;  // the data's place in the file
  std::size_t data_bytes_ = 0;
  raft::SnapshotMetadata metadata_;
};

}  // namespace coord::snap
