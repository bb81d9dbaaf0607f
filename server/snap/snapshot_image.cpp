#include "server/snap/snapshot_image.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "server/common/crc32c.hpp"
#include "server/common/file_posix.hpp"
#include "server/snap/snap_format.hpp"

namespace coord::snap {
namespace {

Status io_error(const std::string& what, const std::string& path) {
  return Status::io_error(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<SnapshotImage> SnapshotImage::open(FileSystem& fs, const std::string& path,
                                          const raft::SnapshotMetadata& expected) {
  if (!fs.exists(path)) return Status::not_found("no snapshot file " + path);
  SnapshotImage image;
  std::string_view file;
  if (dynamic_cast<PosixFileSystem*>(&fs) != nullptr) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      Status s = io_error("cannot stat", path);
      ::close(fd);
      return s;
    }
    const auto bytes = static_cast<std::size_t>(st.st_size);
    void* map = bytes == 0 ? MAP_FAILED : ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    Status mapped = map == MAP_FAILED ? io_error("cannot map", path) : Status::ok();
    ::close(fd);  // the mapping keeps the file
    if (bytes == 0) return Status::corruption("snapshot " + path + ": empty file");
    if (!mapped.is_ok()) return mapped;
    ::madvise(map, bytes, MADV_SEQUENTIAL);  // read once, front to back: let the kernel read ahead
    image.map_ = map;
    image.map_bytes_ = bytes;
    file = std::string_view(static_cast<const char*>(map), bytes);
  } else {
    auto read = fs.read_file(path);
    if (!read) return read.status();
    image.owned_ = std::move(*read);
    file = image.owned_;
  }
  auto bad = [&](const std::string& why) { return Status::corruption("snapshot " + path + ": " + why); };
  if (file.size() < kFixedHeaderBytes + kCrcBytes) return bad("file too short");
  auto length = decode_header_length(file.substr(0, kFixedHeaderBytes));
  if (!length) return bad(length.status().message());
  if (file.size() < *length + kCrcBytes) return bad("file shorter than its header");
  std::uint64_t data_length = 0;
  if (Status s = decode_header(file.substr(0, *length), image.metadata_, data_length); !s.is_ok())
    return bad(s.message());
  if (file.size() != *length + data_length + kCrcBytes) return bad("file size does not match its header");
  if (image.metadata_.index != expected.index || image.metadata_.term != expected.term)
    return bad("not the file of the expected snapshot");
  const std::string_view stored = file.substr(file.size() - kCrcBytes);
  std::uint32_t want = 0;
  for (int i = 3; i >= 0; --i) want = (want << 8) | static_cast<unsigned char>(stored[static_cast<std::size_t>(i)]);
  if (crc32c::extend(0, file.data(), file.size() - kCrcBytes) != want) return bad("CRC mismatch");
  image.data_offset_ = *length;
  image.data_bytes_ = static_cast<std::size_t>(data_length);
  return image;
}

SnapshotImage::SnapshotImage(SnapshotImage&& o) noexcept { *this = std::move(o); }

SnapshotImage& SnapshotImage::operator=(SnapshotImage&& o) noexcept {
  if (this == &o) return *this;
  release();
  map_ = std::exchange(o.map_, nullptr);
  map_bytes_ = std::exchange(o.map_bytes_, 0);
  owned_ = std::move(o.owned_);
  data_offset_ = std::exchange(o.data_offset_, 0);
  data_bytes_ = std::exchange(o.data_bytes_, 0);
  metadata_ = std::move(o.metadata_);
  return *this;
}

SnapshotImage::~SnapshotImage() { release(); }

void SnapshotImage::release() {
  if (map_ != nullptr) ::munmap(map_, map_bytes_);
  map_ = nullptr;
  map_bytes_ = 0;
  data_offset_ = data_bytes_ = 0;
}

}  // namespace coord::snap
