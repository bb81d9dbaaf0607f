// GatedFileSystem: a FileSystem for the node tests that forwards to a MemFileSystem but can hold
// every rename() into a ".snap" file at a gate until the test opens it (WAL segment renames
// pass: the raft thread must be able to go on). A snapshot save renames its temp file into
// place after the temp file's fsync, so a held rename freezes the snapshot writer mid-write:
// the test can then check what the raft thread does meanwhile, or crash (drop_unsynced) right
// there. No sleeps: the test waits on held() and opens the gate with open_gate().
//
// Thread-safety: safe for concurrent use (the writer thread renames, the test thread waits).
#pragma once

#include <condition_variable>
#include <mutex>

#include "server/common/file_mem.hpp"

namespace coord::node::test {

class GatedFileSystem final : public FileSystem {
 public:
  explicit GatedFileSystem(MemFileSystem& mem) : mem_(mem) {}

  // From now on, a rename() into a snapshot file waits at the gate (until open_gate()).
  void close_gate() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  // Lets every waiting and later rename() through.
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      closed_ = false;
    }
    cv_.notify_all();
  }
  // Blocks until some rename() is waiting at the closed gate.
  void wait_until_held() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return held_ > 0; });
  }

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override { return mem_.open(path, mode); }
  Result<std::string> read_file(const std::string& path) override { return mem_.read_file(path); }
  Result<std::uint64_t> file_size(const std::string& path) override { return mem_.file_size(path); }
  bool exists(const std::string& path) override { return mem_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override {
    if (to.size() >= 5 && to.substr(to.size() - 5) == ".snap") {
      std::unique_lock lock(mu_);
      ++held_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return !closed_; });
      --held_;
    }
    return mem_.rename(from, to);
  }
  Status remove(const std::string& path) override { return mem_.remove(path); }
  Result<std::vector<std::string>> list_dir(const std::string& dir) override { return mem_.list_dir(dir); }
  Status mkdirs(const std::string& dir) override { return mem_.mkdirs(dir); }
  Status sync_dir(const std::string& dir) override { return mem_.sync_dir(dir); }
  Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) override { return mem_.lock_dir(dir); }

 private:
  MemFileSystem& mem_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  int held_ = 0;  // renames waiting at the gate
};

// Counts calls of a completion callback and lets a test wait for the n-th, without sleeping.
class CallCounter {
 public:
  void operator()() {
    {
      std::lock_guard lock(mu_);
      ++calls_;
    }
    cv_.notify_all();
  }
  void wait_for(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return calls_ >= n; });
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
};

}  // namespace coord::node::test
