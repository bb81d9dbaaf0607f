// PosixFileSystem: the real FileSystem on Linux. Every descriptor is opened O_CLOEXEC (the
// server never leaks its WAL into a child process); every system call is retried on EINTR and
// short reads/writes are continued; datasync is fdatasync; preallocate uses fallocate and falls
// back to ftruncate (zero-filled but sparse) on filesystems that lack it; lock_dir is
// flock(LOCK_EX | LOCK_NB) on the directory itself.
//
// Thread-safety: stateless, safe for concurrent use. Each File it opens has one owner.
#pragma once

#include "server/common/file.hpp"

namespace coord {

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Result<std::string> read_file(const std::string& path) override;
  Result<std::uint64_t> file_size(const std::string& path) override;
  bool exists(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  Status mkdirs(const std::string& dir) override;
  Status sync_dir(const std::string& dir) override;
  Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) override;
};

}  // namespace coord
