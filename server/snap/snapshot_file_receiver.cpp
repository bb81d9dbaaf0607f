#include "server/snap/snapshot_file_receiver.hpp"

#include <algorithm>

#include "server/common/coding.hpp"
#include "server/common/crc32c.hpp"
#include "server/snap/snap_format.hpp"

namespace coord::snap {
namespace {

// Received bytes are made durable in slices, as a save does (snapshotter.cpp): the disk never
// holds hundreds of MB of this file's dirty pages, which would queue every WAL fdatasync.
constexpr std::uint64_t kSyncSliceBytes = 4 << 20;
constexpr std::string_view kReceiveSuffix = ".recv.tmp";

std::uint32_t decode_u32(std::string_view b) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
  return v;
}

}  // namespace

Result<std::unique_ptr<SnapshotFileReceiver>> SnapshotFileReceiver::begin(FileSystem& fs, std::string dir,
                                                                          const raft::SnapshotMetadata& expected,
                                                                          std::uint64_t file_bytes) {
  if (expected.index == 0) return Status::invalid_argument("snapshot file for index 0");
  if (file_bytes < kFixedHeaderBytes + kCrcBytes)
    return Status::invalid_argument("snapshot file of " + std::to_string(file_bytes) + " bytes is too short");
  if (file_bytes > kMaxFileBytes)
    return Status::invalid_argument("snapshot file of " + std::to_string(file_bytes) + " bytes is over the limit of " +
                                    std::to_string(kMaxFileBytes));
  std::unique_ptr<SnapshotFileReceiver> r(new SnapshotFileReceiver(fs, std::move(dir), expected, file_bytes));
  if (!fs.exists(r->dir_)) COORD_RETURN_IF_ERROR(fs.mkdirs(r->dir_));
  auto file = fs.open(r->tmp_, OpenMode::kCreate);
  if (!file) return file.status();
  r->file_ = std::move(*file);
  return r;
}

SnapshotFileReceiver::SnapshotFileReceiver(FileSystem& fs, std::string dir, const raft::SnapshotMetadata& expected,
                                           std::uint64_t file_bytes)
    : fs_(fs), dir_(std::move(dir)), expected_(expected), file_bytes_(file_bytes) {
  path_ = join_path(dir_, snapshot_name(expected.term, expected.index));
  tmp_ = path_ + std::string(kReceiveSuffix);
}

SnapshotFileReceiver::~SnapshotFileReceiver() {
  if (!done_) discard();
}

void SnapshotFileReceiver::discard() {
  if (file_) static_cast<void>(file_->close());
  file_.reset();
  if (fs_.exists(tmp_)) static_cast<void>(fs_.remove(tmp_));  // best effort; startup removes temp files too
}

Status SnapshotFileReceiver::append(std::string_view bytes) {
  if (failed_ || done_ || !file_) return Status::failed_precondition("snapshot receive already ended");
  auto fail = [&](Status s) {
    failed_ = true;
    discard();
    return s;
  };
  if (bytes.size() > remaining())
    return fail(Status::corruption("snapshot file longer than the " + std::to_string(file_bytes_) + " bytes announced"));
  // The CRC covers everything before the last kCrcBytes, which hold the stored CRC itself.
  const std::uint64_t crc_end = file_bytes_ - kCrcBytes;
  if (received_ < crc_end) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), crc_end - received_));
    crc_ = crc32c::extend(crc_, bytes.data(), n);
    stored_crc_.append(bytes.substr(n));
  } else {
    stored_crc_.append(bytes);
  }
  if (!header_checked_) {
    // Never more than the largest header: a header length is checked against it.
    header_.append(bytes.substr(0, std::min<std::size_t>(bytes.size(), kMaxHeaderBytes - header_.size())));
    if (Status s = check_header(); !s.is_ok()) return fail(s);
  }
  if (Status s = file_->append(bytes); !s.is_ok()) return fail(s);
  received_ += bytes.size();
  unsynced_ += bytes.size();
  if (unsynced_ >= kSyncSliceBytes) {
    if (Status s = file_->datasync(); !s.is_ok()) return fail(s);
    unsynced_ = 0;
  }
  return Status::ok();
}

// Checks the header once enough of it is in; ok (and nothing checked yet) while it is not.
Status SnapshotFileReceiver::check_header() {
  if (header_.size() < kFixedHeaderBytes) return Status::ok();
  auto length = decode_header_length(std::string_view(header_).substr(0, kFixedHeaderBytes));
  if (!length) return length.status();
  if (header_.size() < *length) return Status::ok();
  raft::SnapshotMetadata m;
  std::uint64_t data_length = 0;
  COORD_RETURN_IF_ERROR(decode_header(std::string_view(header_).substr(0, *length), m, data_length));
  if (m.index != expected_.index || m.term != expected_.term || m.conf_state.voters != expected_.conf_state.voters)
    return Status::corruption("snapshot file is of another snapshot than the message announced");
  if (data_length > file_bytes_ || *length + data_length + kCrcBytes != file_bytes_)
    return Status::corruption("snapshot file header says " + std::to_string(*length + data_length + kCrcBytes) +
                              " bytes, " + std::to_string(file_bytes_) + " announced");
  header_checked_ = true;
  std::string().swap(header_);
  return Status::ok();
}

Status SnapshotFileReceiver::finish() {
  if (failed_ || done_ || !file_) return Status::failed_precondition("snapshot receive already ended");
  auto fail = [&](Status s) {
    failed_ = true;
    discard();
    return s;
  };
  if (remaining() != 0)
    return fail(Status::corruption("snapshot file cut short: " + std::to_string(received_) + " of " +
                                   std::to_string(file_bytes_) + " bytes"));
  if (!header_checked_) return fail(Status::corruption("snapshot file header incomplete"));
  if (stored_crc_.size() != kCrcBytes || decode_u32(stored_crc_) != crc_)
    return fail(Status::corruption("snapshot file CRC mismatch"));
  if (Status s = file_->sync(); !s.is_ok()) return fail(s);
  if (Status s = file_->close(); !s.is_ok()) return fail(s);
  file_.reset();
  if (Status s = fs_.rename(tmp_, path_); !s.is_ok()) return fail(s);
  done_ = true;
  return fs_.sync_dir(dir_);
}

}  // namespace coord::snap
