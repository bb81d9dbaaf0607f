// MemFileSystem: an in-memory FileSystem for tests that models what survives a crash.
//
// Durability model (strict, like a POSIX filesystem that promises only what fsync promises):
//  * each file has its current bytes and its synced bytes; datasync()/sync() make the current
//    bytes synced;
//  * each directory has its current entries and its synced entries; a create, rename or remove
//    becomes durable only when sync_dir() of the parent directory follows;
//  * directories themselves are durable as soon as mkdirs() returns (a simplification: the
//    WAL and the snapshotter create their directories once, before anything else);
//  * drop_unsynced() is a power loss / kill -9: every file reverts to its synced bytes and every
//    directory to its synced entries; drop_unsynced_tearing(seed) instead keeps a random prefix
//    of each file's unsynced changes, like a write torn part-way by the crash, and
//    drop_unsynced_scrambling(seed) keeps a random subset of its unsynced 512-byte sectors.
// After either, every File handle and DirLock taken before the crash must be discarded (the
// process that held them is gone); locks are released. A File handle opened before the crash
// fails every call but close() (which does nothing): a destructor of the crashed process's objects
// that syncs on its way out cannot make durable what the crash lost.
//
// Fault injection: fail the next write(s) or sync(s), and corrupt durable bytes (flip a byte,
// truncate, zero a range) as a failing disk would. Counters let tests check how many syncs a
// code path issued (group commit).
//
// Thread-safety: safe for concurrent use (one mutex). File handles have one owner each.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "server/common/file.hpp"

namespace coord {

class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem();
  ~MemFileSystem() override;

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

  // ---- crash simulation
  // Loses everything not made durable by a sync (see the model above).
  void drop_unsynced();
  // Like drop_unsynced(), but each file keeps a random prefix (chosen from `seed`) of the
  // bytes written since its last sync; directory entries follow the strict rule.
  void drop_unsynced_tearing(std::uint64_t seed);
  // Like drop_unsynced(), but each 512-byte sector of a file's unsynced changes independently
  // reaches the disk or not: a write torn with holes, as disks reorder sector writes.
  void drop_unsynced_scrambling(std::uint64_t seed);

  // ---- fault injection
  // After `skip` more successful writes (append, write_at), the next `n` fail with kIoError
  // and write nothing.
  void fail_next_writes(int n = 1, int skip = 0);
  // After `skip` more successful syncs (datasync, sync, sync_dir), the next `n` fail with
  // kIoError and make nothing durable — with drop_unsynced(), a crash at that exact point.
  void fail_next_syncs(int n = 1, int skip = 0);
  // Disk-level damage: change the current and the synced bytes alike. Check-fail when the
  // file does not exist or the range is outside it.
  void flip_byte(const std::string& path, std::uint64_t offset, std::uint8_t mask = 0x01);
  void truncate_file(const std::string& path, std::uint64_t size);
  void zero_range(const std::string& path, std::uint64_t offset, std::uint64_t n);
  // A disk whose File::datasync() returns before the bytes are durable: each one makes durable
  // only what the previous datasync of that file saw, so a crash loses the last synced batch
  // (sync() and sync_dir() stay honest). A negative control: a crash test shows with it that it
  // notices writes acknowledged before they were durable.
  void set_late_data_syncs(bool late);
  // Replaces a file's bytes (current and synced) or creates it durably.
  void put_file(const std::string& path, std::string data);

  // ---- counters
  std::uint64_t data_syncs() const;  // File::datasync calls that succeeded
  std::uint64_t file_syncs() const;  // File::sync calls that succeeded
  std::uint64_t dir_syncs() const;   // sync_dir calls that succeeded
  std::uint64_t writes() const;      // append/write_at calls that succeeded

  struct Inode;  // shared by MemFileSystem and its File handles
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace coord
