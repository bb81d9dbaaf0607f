#include "server/common/file_mem.hpp"

#include <algorithm>
#include <random>
#include <utility>

namespace coord {

struct MemFileSystem::Inode {
  std::string data;    // what a read sees now
  std::string synced;  // what survives a crash
  std::string late;    // what the next late datasync makes durable (set_late_data_syncs)
};

struct MemFileSystem::State {
  mutable std::mutex mu;
  // Guarded by mu:
  std::map<std::string, std::shared_ptr<Inode>> names;         // current directory entries
  std::map<std::string, std::shared_ptr<Inode>> synced_names;  // durable directory entries
  std::set<std::string> dirs;
  std::set<std::string> locked;
  int writes_before_fault = 0, failing_writes = 0;
  int syncs_before_fault = 0, failing_syncs = 0;
  std::uint64_t data_syncs = 0, file_syncs = 0, dir_syncs = 0, writes = 0;
  bool late_data_syncs = false;  // set_late_data_syncs()
  std::uint64_t crashes = 0;     // drop_unsynced*() calls: handles opened before one are dead

  Inode* find(const std::string& path) {
    auto it = names.find(path);
    return it == names.end() ? nullptr : it->second.get();
  }
  bool take_write_fault() { return take_fault(writes_before_fault, failing_writes); }
  bool take_sync_fault() { return take_fault(syncs_before_fault, failing_syncs); }
  static bool take_fault(int& skip, int& failing) {
    if (failing == 0) return false;
    if (skip > 0) {
      --skip;
      return false;
    }
    --failing;
    return true;
  }
};

namespace {

using Inode = MemFileSystem::Inode;
using State = MemFileSystem::State;

// Paths are compared as strings; strip trailing slashes so "a/" and "a" agree.
std::string normalize(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

class MemFile final : public File {
 public:
  MemFile(std::shared_ptr<State> state, std::shared_ptr<Inode> inode, std::string path, bool writable)
      : state_(std::move(state)),
        inode_(std::move(inode)),
        path_(std::move(path)),
        writable_(writable),
        generation_(state_->crashes) {}

  Status append(std::string_view data) override {
    std::lock_guard lock(state_->mu);
    return write_locked(inode_->data.size(), data);
  }
  Status write_at(std::uint64_t offset, std::string_view data) override {
    std::lock_guard lock(state_->mu);
    return write_locked(offset, data);
  }
  Status read_at(std::uint64_t offset, std::size_t n, std::string& out) override {
    std::lock_guard lock(state_->mu);
    if (closed_ || dead()) return closed();
    if (offset > inode_->data.size() || n > inode_->data.size() - offset)
      return Status::io_error("read " + path_ + ": unexpected end of file");
    out.assign(inode_->data, offset, n);
    return Status::ok();
  }
  Result<std::uint64_t> size() override {
    std::lock_guard lock(state_->mu);
    if (closed_ || dead()) return closed();
    return static_cast<std::uint64_t>(inode_->data.size());
  }
  Status truncate(std::uint64_t size) override {
    std::lock_guard lock(state_->mu);
    if (closed_ || dead() || !writable_) return closed();
    inode_->data.resize(size);
    return Status::ok();
  }
  Status preallocate(std::uint64_t size) override {
    std::lock_guard lock(state_->mu);
    if (closed_ || dead() || !writable_) return closed();
    if (size > inode_->data.size()) inode_->data.resize(size);
    return Status::ok();
  }
  Status datasync() override { return sync_impl(state_->data_syncs, /*data_only=*/true); }
  Status sync() override { return sync_impl(state_->file_syncs); }
  Status close() override {
    std::lock_guard lock(state_->mu);
    if (closed_) return closed();
    closed_ = true;
    return Status::ok();
  }

 private:
  Status write_locked(std::uint64_t offset, std::string_view data) {
    if (closed_ || dead() || !writable_) return closed();
    if (state_->take_write_fault()) return Status::io_error("write " + path_ + ": injected fault");
    auto& bytes = inode_->data;
    if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size());
    bytes.replace(offset, data.size(), data);
    ++state_->writes;
    return Status::ok();
  }
  Status sync_impl(std::uint64_t& counter, bool data_only = false) {
    std::lock_guard lock(state_->mu);
    if (closed_ || dead()) return closed();
    if (state_->take_sync_fault()) return Status::io_error("sync " + path_ + ": injected fault");
    if (data_only && state_->late_data_syncs) {
      inode_->synced = std::exchange(inode_->late, inode_->data);
    } else {
      inode_->synced = inode_->data;
      inode_->late = inode_->data;  // a late sync never takes back what an honest one made durable
    }
    ++counter;
    return Status::ok();
  }
  Status closed() const { return Status::io_error("file " + path_ + " is closed or read-only"); }
  // The process that opened this handle crashed (state_->mu held): it reaches the disk no more.
  bool dead() const { return generation_ != state_->crashes; }

  std::shared_ptr<State> state_;
  std::shared_ptr<Inode> inode_;
  std::string path_;
  bool writable_;
  bool closed_ = false;
  const std::uint64_t generation_;  // state_->crashes when opened
};

class MemDirLock final : public DirLock {
 public:
  MemDirLock(std::shared_ptr<State> state, std::string dir) : state_(std::move(state)), dir_(std::move(dir)) {}
  ~MemDirLock() override {
    std::lock_guard lock(state_->mu);
    state_->locked.erase(dir_);
  }

 private:
  std::shared_ptr<State> state_;
  std::string dir_;
};

// The bytes a torn crash leaves: the synced bytes with a prefix of the unsynced change applied.
std::string torn(const Inode& inode, std::mt19937_64& rng) {
  const std::string& now = inode.data;
  const std::string& old = inode.synced;
  std::size_t first_diff = 0;
  while (first_diff < now.size() && first_diff < old.size() && now[first_diff] == old[first_diff]) ++first_diff;
  const std::size_t end = now.size();
  if (first_diff >= end) return old;
  const std::size_t keep = first_diff + std::uniform_int_distribution<std::size_t>(0, end - first_diff)(rng);
  std::string out = now.substr(0, keep);
  if (old.size() > keep) out.append(old, keep, std::string::npos);
  return out;
}

// The bytes a crash leaves when each sector of the unsynced change lands independently.
std::string scrambled(const Inode& inode, std::mt19937_64& rng) {
  constexpr std::size_t kSector = 512;
  const std::string& now = inode.data;
  const std::string& old = inode.synced;
  std::string out = old;
  out.resize(now.size(), '\0');  // a size change is metadata: model it as landing
  for (std::size_t s = 0; s < now.size(); s += kSector) {
    const std::size_t n = std::min(kSector, now.size() - s);
    if (now.compare(s, n, out, s, n) != 0 && rng() % 2 == 0) out.replace(s, n, now, s, n);
  }
  return out;
}

}  // namespace

MemFileSystem::MemFileSystem() : state_(std::make_shared<State>()) {
  state_->dirs.insert("/");
  state_->dirs.insert(".");
}

MemFileSystem::~MemFileSystem() = default;

Result<std::unique_ptr<File>> MemFileSystem::open(const std::string& raw_path, OpenMode mode) {
  const std::string path = normalize(raw_path);
  std::lock_guard lock(state_->mu);
  auto it = state_->names.find(path);
  if (mode == OpenMode::kRead || mode == OpenMode::kReadWrite) {
    if (it == state_->names.end()) return Status::not_found("open " + path + ": no such file");
    return std::unique_ptr<File>(new MemFile(state_, it->second, path, mode == OpenMode::kReadWrite));
  }
  if (state_->dirs.count(path) != 0) return Status::io_error("open " + path + ": is a directory");
  if (state_->dirs.count(parent_path(path)) == 0) return Status::not_found("open " + path + ": no such directory");
  if (it != state_->names.end()) {
    if (mode == OpenMode::kCreateExclusive) return Status::io_error("open " + path + ": file exists");
    it->second->data.clear();
    return std::unique_ptr<File>(new MemFile(state_, it->second, path, true));
  }
  auto inode = std::make_shared<Inode>();
  state_->names[path] = inode;
  return std::unique_ptr<File>(new MemFile(state_, inode, path, true));
}

Result<std::string> MemFileSystem::read_file(const std::string& path) {
  std::lock_guard lock(state_->mu);
  const Inode* inode = state_->find(normalize(path));
  if (inode == nullptr) return Status::not_found("read " + path + ": no such file");
  return inode->data;
}

Result<std::uint64_t> MemFileSystem::file_size(const std::string& path) {
  std::lock_guard lock(state_->mu);
  const Inode* inode = state_->find(normalize(path));
  if (inode == nullptr) return Status::not_found("stat " + path + ": no such file");
  return static_cast<std::uint64_t>(inode->data.size());
}

bool MemFileSystem::exists(const std::string& raw_path) {
  const std::string path = normalize(raw_path);
  std::lock_guard lock(state_->mu);
  return state_->names.count(path) != 0 || state_->dirs.count(path) != 0;
}

Status MemFileSystem::rename(const std::string& raw_from, const std::string& raw_to) {
  const std::string from = normalize(raw_from), to = normalize(raw_to);
  std::lock_guard lock(state_->mu);
  auto it = state_->names.find(from);
  if (it == state_->names.end()) return Status::not_found("rename " + from + ": no such file");
  if (state_->dirs.count(parent_path(to)) == 0) return Status::not_found("rename to " + to + ": no such directory");
  auto inode = it->second;
  state_->names.erase(it);
  state_->names[to] = std::move(inode);
  return Status::ok();
}

Status MemFileSystem::remove(const std::string& raw_path) {
  const std::string path = normalize(raw_path);
  std::lock_guard lock(state_->mu);
  if (state_->names.erase(path) == 0) return Status::not_found("remove " + path + ": no such file");
  return Status::ok();
}

Result<std::vector<std::string>> MemFileSystem::list_dir(const std::string& raw_dir) {
  const std::string dir = normalize(raw_dir);
  std::lock_guard lock(state_->mu);
  if (state_->dirs.count(dir) == 0) return Status::not_found("list " + dir + ": no such directory");
  std::vector<std::string> out;
  auto collect = [&](const std::string& path) {
    if (path != dir && parent_path(path) == dir) out.push_back(path.substr(path.rfind('/') + 1));
  };
  for (const auto& [path, inode] : state_->names) collect(path);
  for (const auto& path : state_->dirs) collect(path);
  std::sort(out.begin(), out.end());
  return out;
}

Status MemFileSystem::mkdirs(const std::string& raw_dir) {
  std::string dir = normalize(raw_dir);
  if (dir.empty()) return Status::invalid_argument("mkdirs: empty path");
  std::lock_guard lock(state_->mu);
  for (std::string p = dir; state_->dirs.count(p) == 0; p = parent_path(p)) {
    if (state_->names.count(p) != 0) return Status::io_error("mkdirs " + p + ": exists and is not a directory");
    state_->dirs.insert(p);
  }
  return Status::ok();
}

Status MemFileSystem::sync_dir(const std::string& raw_dir) {
  const std::string dir = normalize(raw_dir);
  std::lock_guard lock(state_->mu);
  if (state_->dirs.count(dir) == 0) return Status::not_found("sync " + dir + ": no such directory");
  if (state_->take_sync_fault()) return Status::io_error("sync directory " + dir + ": injected fault");
  auto& synced = state_->synced_names;
  for (auto it = synced.begin(); it != synced.end();) {
    it = parent_path(it->first) == dir ? synced.erase(it) : std::next(it);
  }
  for (const auto& [path, inode] : state_->names) {
    if (parent_path(path) == dir) synced[path] = inode;
  }
  ++state_->dir_syncs;
  return Status::ok();
}

Result<std::unique_ptr<DirLock>> MemFileSystem::lock_dir(const std::string& raw_dir) {
  const std::string dir = normalize(raw_dir);
  std::lock_guard lock(state_->mu);
  if (state_->dirs.count(dir) == 0) return Status::not_found("lock " + dir + ": no such directory");
  if (!state_->locked.insert(dir).second) return Status::unavailable("directory " + dir + " is locked by another process");
  return std::unique_ptr<DirLock>(new MemDirLock(state_, dir));
}

void MemFileSystem::drop_unsynced() {
  std::lock_guard lock(state_->mu);
  for (auto& [path, inode] : state_->names) inode->data = inode->late = inode->synced;
  for (auto& [path, inode] : state_->synced_names) inode->data = inode->late = inode->synced;
  state_->names = state_->synced_names;
  state_->locked.clear();
  ++state_->crashes;
}

void MemFileSystem::drop_unsynced_tearing(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lock_guard lock(state_->mu);
  for (auto& [path, inode] : state_->synced_names) {
    inode->synced = torn(*inode, rng);
    inode->data = inode->late = inode->synced;
  }
  state_->names = state_->synced_names;
  state_->locked.clear();
  ++state_->crashes;
}

void MemFileSystem::drop_unsynced_scrambling(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lock_guard lock(state_->mu);
  for (auto& [path, inode] : state_->synced_names) {
    inode->synced = scrambled(*inode, rng);
    inode->data = inode->late = inode->synced;
  }
  state_->names = state_->synced_names;
  state_->locked.clear();
  ++state_->crashes;
}

void MemFileSystem::fail_next_writes(int n, int skip) {
  std::lock_guard lock(state_->mu);
  state_->failing_writes = n;
  state_->writes_before_fault = skip;
}

void MemFileSystem::set_late_data_syncs(bool late) {
  std::lock_guard lock(state_->mu);
  state_->late_data_syncs = late;
}

void MemFileSystem::fail_next_syncs(int n, int skip) {
  std::lock_guard lock(state_->mu);
  state_->failing_syncs = n;
  state_->syncs_before_fault = skip;
}

void MemFileSystem::flip_byte(const std::string& path, std::uint64_t offset, std::uint8_t mask) {
  std::lock_guard lock(state_->mu);
  Inode* inode = state_->find(normalize(path));
  COORD_CHECK(inode != nullptr && offset < inode->data.size(), "flip_byte outside the file");
  inode->data[offset] = static_cast<char>(inode->data[offset] ^ mask);
  if (offset < inode->synced.size()) inode->synced[offset] = inode->data[offset];
}

void MemFileSystem::truncate_file(const std::string& path, std::uint64_t size) {
  std::lock_guard lock(state_->mu);
  Inode* inode = state_->find(normalize(path));
  COORD_CHECK(inode != nullptr, "truncate_file of a missing file");
  inode->data.resize(size);
  inode->synced.resize(size);
}

void MemFileSystem::zero_range(const std::string& path, std::uint64_t offset, std::uint64_t n) {
  std::lock_guard lock(state_->mu);
  Inode* inode = state_->find(normalize(path));
  COORD_CHECK(inode != nullptr && offset + n <= inode->data.size(), "zero_range outside the file");
  std::fill_n(inode->data.begin() + static_cast<std::ptrdiff_t>(offset), n, '\0');
  if (offset < inode->synced.size()) {
    const auto m = std::min<std::uint64_t>(n, inode->synced.size() - offset);
    std::fill_n(inode->synced.begin() + static_cast<std::ptrdiff_t>(offset), m, '\0');
  }
}

void MemFileSystem::put_file(const std::string& raw_path, std::string data) {
  const std::string path = normalize(raw_path);
  std::lock_guard lock(state_->mu);
  COORD_CHECK(state_->dirs.count(parent_path(path)) != 0, "put_file into a missing directory");
  auto& inode = state_->names[path];
  if (!inode) inode = std::make_shared<Inode>();
  inode->data = std::move(data);
  inode->synced = inode->data;
  state_->synced_names[path] = inode;
}

std::uint64_t MemFileSystem::data_syncs() const {
  std::lock_guard lock(state_->mu);
  return state_->data_syncs;
}
std::uint64_t MemFileSystem::file_syncs() const {
  std::lock_guard lock(state_->mu);
  return state_->file_syncs;
}
std::uint64_t MemFileSystem::dir_syncs() const {
  std::lock_guard lock(state_->mu);
  return state_->dir_syncs;
}
std::uint64_t MemFileSystem::writes() const {
  std::lock_guard lock(state_->mu);
  return state_->writes;
}

}  // namespace coord
