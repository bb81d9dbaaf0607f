// The file interface under the WAL and the snapshotter: everything they need from a filesystem
// (create/open, append, positional write/read, truncate, preallocate, fdatasync/fsync of files
// and directories, rename, remove, list, mkdir -p, and an exclusive directory lock).
//
// Two implementations: PosixFileSystem (server/common/file_posix.hpp), the real one, and
// MemFileSystem (server/common/file_mem.hpp), an in-memory model of durability with fault
// injection for tests. Code above this layer never touches file descriptors, so every
// crash/corruption case of the WAL can be tested deterministically.
//
// Thread-safety: a FileSystem is safe for concurrent use. A File handle is not: one owner
// (for the WAL: whichever thread runs the round) calls it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/common/status.hpp"

namespace coord {

// An open file. "End of file" is the file's size, which grows with appends, writes past the
// end and preallocation; it shrinks only with truncate().
class File {
 public:
  virtual ~File() = default;

  // Writes `data` at the current end of the file.
  virtual Status append(std::string_view data) = 0;
  // Writes `data` at `offset`, extending the file (with zeros in any gap) when needed.
  virtual Status write_at(std::uint64_t offset, std::string_view data) = 0;
  // Reads exactly `n` bytes at `offset` into `out` (resized to n); an error if the file is
  // shorter. Reading straight into the caller's string avoids a copy of large files.
  virtual Status read_at(std::uint64_t offset, std::size_t n, std::string& out) = 0;
  // The current size in bytes.
  virtual Result<std::uint64_t> size() = 0;
  // Sets the size to `size`: drops bytes past it, or extends with zeros.
  virtual Status truncate(std::uint64_t size) = 0;
  // Makes the file at least `size` bytes long, zero-filled, with its blocks reserved when the
  // filesystem can (fallocate), so later writes inside that range neither fail with ENOSPC nor
  // change the file size (which would make every fdatasync also flush metadata).
  virtual Status preallocate(std::uint64_t size) = 0;
  // fdatasync: the data written so far (and the size) is durable when this returns ok.
  virtual Status datasync() = 0;
  // fsync: like datasync, plus every other piece of inode metadata.
  virtual Status sync() = 0;
  // Closes the handle; later calls fail. The destructor closes too (without reporting errors).
  virtual Status close() = 0;
};

// Held while a directory is locked; the destructor releases the lock.
class DirLock {
 public:
  virtual ~DirLock() = default;
};

enum class OpenMode {
  kRead,             // an existing file, read only
  kReadWrite,        // an existing file, read and write
  kCreate,           // create, or truncate an existing file to empty; read and write
  kCreateExclusive,  // create; fails when the path exists
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  // The whole content of a file in one read.
  virtual Result<std::string> read_file(const std::string& path) = 0;
  virtual Result<std::uint64_t> file_size(const std::string& path) = 0;
  // True when `path` names a file or a directory.
  virtual bool exists(const std::string& path) = 0;
  // Atomically replaces `to` with `from`. Durable only after sync_dir() of the directory.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  // Removes a file. Durable only after sync_dir() of its directory.
  virtual Status remove(const std::string& path) = 0;
  // The names (not paths) of the entries of `dir`, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> list_dir(const std::string& dir) = 0;
  // Creates `dir` and every missing parent (mkdir -p); ok when it already exists.
  virtual Status mkdirs(const std::string& dir) = 0;
  // fsync of a directory: makes creations, renames and removals inside it durable.
  virtual Status sync_dir(const std::string& dir) = 0;
  // Takes an exclusive lock on `dir` (flock), so two servers cannot share a data directory.
  // Fails with kUnavailable when someone else holds it.
  virtual Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) = 0;
};

// "a/b" + "c" -> "a/b/c".
std::string join_path(std::string_view dir, std::string_view name);
// "a/b/c" -> "a/b"; "c" -> "."; "/c" -> "/".
std::string parent_path(std::string_view path);
// Writes `data` to `path` through a temporary file: create tmp, write, fsync, rename, fsync
// the directory. After a crash `path` holds either its old content or `data`, never a mix.
Status write_file_atomically(FileSystem& fs, const std::string& path, std::string_view data);

}  // namespace coord
