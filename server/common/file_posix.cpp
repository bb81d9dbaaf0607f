#include "server/common/file_posix.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace coord {

namespace {

Status errno_status(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::not_found(std::move(msg));
  return Status::io_error(std::move(msg));
}

// Opens with O_CLOEXEC, retrying on EINTR.
int open_retry(const std::string& path, int flags, mode_t mode = 0644) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd, std::uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status append(std::string_view data) override { return write_at(size_, data); }

  Status write_at(std::uint64_t offset, std::string_view data) override {
    if (fd_ < 0) return closed();
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("write", path_, errno);
      }
      done += static_cast<std::size_t>(n);
    }
    size_ = std::max(size_, offset + data.size());
    return Status::ok();
  }

  Status read_at(std::uint64_t offset, std::size_t n, std::string& out) override {
    if (fd_ < 0) return closed();
    out.resize(n);
    std::size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno_status("read", path_, errno);
      }
      if (r == 0) return Status::io_error("read " + path_ + ": unexpected end of file at offset " +
                                          std::to_string(offset + done));
      done += static_cast<std::size_t>(r);
    }
    return Status::ok();
  }

  Result<std::uint64_t> size() override {
    if (fd_ < 0) return closed();
    return size_;
  }

  Status truncate(std::uint64_t size) override {
    if (fd_ < 0) return closed();
    int rc;
    do {
      rc = ::ftruncate(fd_, static_cast<off_t>(size));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return errno_status("truncate", path_, errno);
    size_ = size;
    return Status::ok();
  }

  Status preallocate(std::uint64_t size) override {
    if (fd_ < 0) return closed();
    if (size <= size_) return Status::ok();
    int rc;
    do {
      rc = ::fallocate(fd_, 0, 0, static_cast<off_t>(size));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
      // tmpfs, some network filesystems: no fallocate. A sparse extension still gives the
      // zero-filled tail the WAL relies on; only the early ENOSPC is lost.
      if (errno != EOPNOTSUPP && errno != ENOSYS) return errno_status("fallocate", path_, errno);
      return truncate(size);
    }
    size_ = size;
    return Status::ok();
  }

  Status datasync() override {
    if (fd_ < 0) return closed();
    int rc;
    do {
      rc = ::fdatasync(fd_);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? errno_status("fdatasync", path_, errno) : Status::ok();
  }

  Status sync() override {
    if (fd_ < 0) return closed();
    int rc;
    do {
      rc = ::fsync(fd_);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? errno_status("fsync", path_, errno) : Status::ok();
  }

  Status close() override {
    if (fd_ < 0) return closed();
    const int fd = fd_;
    fd_ = -1;
    // Linux releases the descriptor even when close reports EINTR; never retry it.
    if (::close(fd) < 0 && errno != EINTR) return errno_status("close", path_, errno);
    return Status::ok();
  }

 private:
  Status closed() const { return Status::io_error("file " + path_ + " is closed"); }

  const std::string path_;
  int fd_;
  std::uint64_t size_;
};

class PosixDirLock final : public DirLock {
 public:
  explicit PosixDirLock(int fd) : fd_(fd) {}
  ~PosixDirLock() override { ::close(fd_); }  // closing the descriptor drops the flock

 private:
  int fd_;
};

int open_flags(OpenMode mode) {
  switch (mode) {
    case OpenMode::kRead: return O_RDONLY;
    case OpenMode::kReadWrite: return O_RDWR;
    case OpenMode::kCreate: return O_RDWR | O_CREAT | O_TRUNC;
    case OpenMode::kCreateExclusive: return O_RDWR | O_CREAT | O_EXCL;
  }
  return O_RDONLY;
}

}  // namespace

Result<std::unique_ptr<File>> PosixFileSystem::open(const std::string& path, OpenMode mode) {
  const int fd = open_retry(path, open_flags(mode));
  if (fd < 0) return errno_status("open", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) < 0) {
    const int err = errno;
    ::close(fd);
    return errno_status("stat", path, err);
  }
  return std::unique_ptr<File>(new PosixFile(path, fd, static_cast<std::uint64_t>(st.st_size)));
}

Result<std::string> PosixFileSystem::read_file(const std::string& path) {
  auto file = open(path, OpenMode::kRead);
  if (!file) return file.status();
  auto size = (*file)->size();
  if (!size) return size.status();
  std::string out;
  COORD_RETURN_IF_ERROR((*file)->read_at(0, *size, out));
  return out;
}

Result<std::uint64_t> PosixFileSystem::file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) return errno_status("stat", path, errno);
  return static_cast<std::uint64_t>(st.st_size);
}

bool PosixFileSystem::exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status PosixFileSystem::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) < 0) return errno_status("rename " + from + " to", to, errno);
  return Status::ok();
}

Status PosixFileSystem::remove(const std::string& path) {
  if (::unlink(path.c_str()) < 0) return errno_status("remove", path, errno);
  return Status::ok();
}

Result<std::vector<std::string>> PosixFileSystem::list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_status("list", dir, errno);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return errno_status("list", dir, err);
  std::sort(names.begin(), names.end());
  return names;
}

Status PosixFileSystem::mkdirs(const std::string& dir) {
  if (dir.empty()) return Status::invalid_argument("mkdirs: empty path");
  for (std::size_t pos = 1; pos != std::string::npos;) {
    pos = dir.find('/', pos);
    const std::string prefix = dir.substr(0, pos);
    if (pos != std::string::npos) ++pos;
    if (::mkdir(prefix.c_str(), 0755) == 0 || errno == EEXIST) continue;
    return errno_status("mkdir", prefix, errno);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) < 0) return errno_status("stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) return Status::io_error("mkdirs " + dir + ": exists and is not a directory");
  return Status::ok();
}

Status PosixFileSystem::sync_dir(const std::string& dir) {
  const int fd = open_retry(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno_status("open directory", dir, errno);
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  return rc < 0 ? errno_status("fsync directory", dir, err) : Status::ok();
}

Result<std::unique_ptr<DirLock>> PosixFileSystem::lock_dir(const std::string& dir) {
  const int fd = open_retry(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno_status("open directory", dir, errno);
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return Status::unavailable("directory " + dir + " is locked by another process");
    return errno_status("flock", dir, err);
  }
  return std::unique_ptr<DirLock>(new PosixDirLock(fd));
}

}  // namespace coord
