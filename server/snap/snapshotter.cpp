#include "server/snap/snapshotter.hpp"

#include <thread>

#include <algorithm>

#include "server/common/crc32c.hpp"
#include "server/common/failpoint.hpp"
#include "server/snap/snap_format.hpp"

namespace coord::snap {

namespace {

constexpr std::string_view kTempSuffix = ".tmp";
constexpr std::string_view kBrokenSuffix = ".broken";
// How much of a snapshot file may be dirty before it is made durable (see write_tmp below). Each
// WAL fdatasync of the raft loop may wait behind one slice's writeback: 1 MiB slices halved a
// 1M-key load's p99 against 4 MiB ones (test/bench/RESULTS.md); 256 KiB bought nothing more.
constexpr std::size_t kSyncSliceBytes = 1 << 20;

std::string encode_crc(std::uint32_t crc) {
  std::string out(kCrcBytes, '\0');
  for (std::size_t i = 0; i < kCrcBytes; ++i) out[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return out;
}

std::uint32_t decode_crc(std::string_view b) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < kCrcBytes; ++i) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[i])) << (8 * i);
  return v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool same_point(const raft::SnapshotMetadata& a, const raft::SnapshotMetadata& b) {
  return a.index == b.index && a.term == b.term;
}

}  // namespace

Status Snapshotter::save(const raft::Snapshot& snapshot, const PaceBreaker* breaker) {
  if (snapshot.empty()) return Status::invalid_argument("cannot save an empty snapshot (index 0)");
  if (failpoint::hit(failpoint::Point::kSnapBeforeSave)) return failpoint::injected_error(failpoint::Point::kSnapBeforeSave);
  SaveDurations durations;
  COORD_RETURN_IF_ERROR(write_file(snapshot, durations, breaker));
  if (failpoint::hit(failpoint::Point::kSnapAfterSave)) return failpoint::injected_error(failpoint::Point::kSnapAfterSave);
  record_timings(durations);
  return Status::ok();
}

void Snapshotter::record_timings(const SaveDurations& durations) const {
  if (timings_.marshalling != nullptr) timings_.marshalling->observe(durations.marshalling);
  if (timings_.fsync != nullptr) timings_.fsync->observe(durations.fsync);
  if (timings_.total != nullptr) timings_.total->observe(durations.total);
}

Status Snapshotter::write_file(const raft::Snapshot& snapshot, SaveDurations& durations,
                               const PaceBreaker* breaker) const {
  if (snapshot.empty()) return Status::invalid_argument("cannot save an empty snapshot (index 0)");
  const auto started = std::chrono::steady_clock::now();
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t);
  };
  if (!fs_.exists(dir_)) {
    COORD_RETURN_IF_ERROR(fs_.mkdirs(dir_));
    COORD_RETURN_IF_ERROR(fs_.sync_dir(parent_path(dir_)));
  }
  const std::string name = snapshot_name(snapshot.metadata.term, snapshot.metadata.index);
  const std::string path = join_path(dir_, name);
  const std::string tmp = path + std::string(kTempSuffix);
  const std::string header = encode_header(snapshot.metadata, snapshot.data.size());
  // The CRC is streamed over the pieces as they are written: no concatenated copy.
  std::uint32_t crc = crc32c::extend(0, header.data(), header.size());
  crc = crc32c::extend(crc, snapshot.data.data(), snapshot.data.size());
  durations.marshalling = since(started);

  auto write_tmp = [&]() -> Status {
    auto file = fs_.open(tmp, OpenMode::kCreate);
    if (!file) return file.status();
    COORD_RETURN_IF_ERROR((*file)->append(header));
    // In slices, each made durable before the next: the disk then never holds hundreds of MB of
    // this file's dirty pages at once, which would queue every WAL fdatasync behind them (the
    // raft loop keeps writing while a snapshot is saved in the background).
    // Each slice waits, if it is ahead, until the time the pace allows for what is written;
    // once `breaker` is released (a graceful stop) no slice waits any more.
    std::string_view rest = snapshot.data;
    const auto paced_from = std::chrono::steady_clock::now();
    std::uint64_t written = 0;
    bool paced = pacing_.bytes_per_second != 0;
    while (rest.size() > kSyncSliceBytes) {
      COORD_RETURN_IF_ERROR((*file)->append(rest.substr(0, kSyncSliceBytes)));
      COORD_RETURN_IF_ERROR((*file)->datasync());
      rest.remove_prefix(kSyncSliceBytes);
      written += kSyncSliceBytes;
      if (paced) {
        const auto due = paced_from + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                          std::chrono::duration<double>(static_cast<double>(written) /
                                                                        static_cast<double>(pacing_.bytes_per_second)));
        if (pacing_.sleep_until) {
          pacing_.sleep_until(due);
        } else if (breaker != nullptr) {
          paced = breaker->wait_until(due);
        } else {
          std::this_thread::sleep_until(due);
        }
      }
    }
    COORD_RETURN_IF_ERROR((*file)->append(rest));
    COORD_RETURN_IF_ERROR((*file)->append(encode_crc(crc)));
    COORD_RETURN_IF_ERROR((*file)->sync());
    return (*file)->close();
  };
  const auto writing = std::chrono::steady_clock::now();
  if (Status s = write_tmp(); !s) {
    static_cast<void>(fs_.remove(tmp));  // best effort; load() removes leftovers too
    return s;
  }
  durations.fsync = since(writing);
  COORD_RETURN_IF_ERROR(fs_.rename(tmp, path));
  COORD_RETURN_IF_ERROR(fs_.sync_dir(dir_));
  durations.total = since(started);
  return Status::ok();
}

Result<raft::Snapshot> Snapshotter::read(const std::string& name) {
  const std::string path = join_path(dir_, name);
  auto file = fs_.open(path, OpenMode::kRead);
  if (!file) return file.status();
  auto size = (*file)->size();
  if (!size) return size.status();
  auto bad = [&](const std::string& why) { return Status::corruption("snapshot " + path + ": " + why); };
  if (*size < kFixedHeaderBytes + kCrcBytes) return bad("file too short (" + std::to_string(*size) + " bytes)");

  std::string header;
  COORD_RETURN_IF_ERROR((*file)->read_at(0, kFixedHeaderBytes, header));
  auto header_length = decode_header_length(header);
  if (!header_length) return bad(header_length.status().message());
  if (*size < *header_length + kCrcBytes) return bad("file shorter than its header");
  COORD_RETURN_IF_ERROR((*file)->read_at(0, *header_length, header));
  raft::Snapshot snap;
  std::uint64_t data_length = 0;
  if (Status s = decode_header(header, snap.metadata, data_length); !s) return bad(s.message());
  if (*size != *header_length + data_length + kCrcBytes)
    return bad("file is " + std::to_string(*size) + " bytes, header says " +
               std::to_string(*header_length + data_length + kCrcBytes));

  COORD_RETURN_IF_ERROR((*file)->read_at(*header_length, data_length, snap.data));
  std::string stored;
  COORD_RETURN_IF_ERROR((*file)->read_at(*header_length + data_length, kCrcBytes, stored));
  std::uint32_t crc = crc32c::extend(0, header.data(), header.size());
  crc = crc32c::extend(crc, snap.data.data(), snap.data.size());
  if (crc != decode_crc(stored)) return bad("CRC mismatch");
  const auto parsed = parse_snapshot_name(name);
  if (!parsed || parsed->term != snap.metadata.term || parsed->index != snap.metadata.index)
    return bad("file name does not match the snapshot's term and index");
  return snap;
}

Result<std::vector<std::string>> Snapshotter::snapshot_names() {
  auto names = fs_.list_dir(dir_);
  if (!names) return names.status();
  std::vector<std::string> out;
  for (auto& n : *names) {
    if (parse_snapshot_name(n)) out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end());  // fixed-width hex: name order is (term, index) order
  return out;
}

Status Snapshotter::remove_temp_files() {
  auto names = fs_.list_dir(dir_);
  if (!names) return names.status();
  bool removed = false;
  for (const auto& n : *names) {
    if (!ends_with(n, kTempSuffix)) continue;
    COORD_RETURN_IF_ERROR(fs_.remove(join_path(dir_, n)));
    removed = true;
  }
  return removed ? fs_.sync_dir(dir_) : Status::ok();
}

Status Snapshotter::quarantine(const std::string& name) {
  const std::string path = join_path(dir_, name);
  COORD_RETURN_IF_ERROR(fs_.rename(path, path + std::string(kBrokenSuffix)));
  return fs_.sync_dir(dir_);
}

Result<raft::Snapshot> Snapshotter::load() { return load_newest(nullptr); }

Result<raft::Snapshot> Snapshotter::load_newest_available(const std::vector<raft::SnapshotMetadata>& usable) {
  return load_newest(&usable);
}

Result<raft::Snapshot> Snapshotter::load_newest(const std::vector<raft::SnapshotMetadata>* only) {
  if (!fs_.exists(dir_)) return Status::not_found("no snapshot directory " + dir_);
  COORD_RETURN_IF_ERROR(remove_temp_files());
  auto names = snapshot_names();
  if (!names) return names.status();
  const bool any = only == nullptr;
  const std::vector<raft::SnapshotMetadata> none;
  const auto& usable = any ? none : *only;
  for (auto it = names->rbegin(); it != names->rend(); ++it) {
    const auto parsed = parse_snapshot_name(*it);
    const raft::SnapshotMetadata point{parsed->index, parsed->term, {}};
    if (!any && std::none_of(usable.begin(), usable.end(), [&](const auto& u) { return same_point(u, point); }))
      continue;
    auto snap = read(*it);
    if (snap) return snap;
    if (snap.status().code() != StatusCode::kCorruption) return snap.status();  // I/O trouble: do not rename
    COORD_RETURN_IF_ERROR(quarantine(*it));
  }
  return Status::not_found("no valid snapshot in " + dir_);
}

Result<std::vector<raft::SnapshotMetadata>> Snapshotter::candidates_newest_first() {
  std::vector<raft::SnapshotMetadata> out;
  if (!fs_.exists(dir_)) return out;
  COORD_RETURN_IF_ERROR(remove_temp_files());
  auto names = snapshot_names();
  if (!names) return names.status();
  for (auto it = names->rbegin(); it != names->rend(); ++it) {
    const auto parsed = parse_snapshot_name(*it);
    out.push_back(raft::SnapshotMetadata{parsed->index, parsed->term, {}});
  }
  return out;
}

Result<SnapshotImage> Snapshotter::load_candidate(const raft::SnapshotMetadata& point) {
  const std::string name = snapshot_name(point.term, point.index);
  auto image = SnapshotImage::open(fs_, join_path(dir_, name), point);
  if (!image && image.status().code() == StatusCode::kCorruption) COORD_RETURN_IF_ERROR(quarantine(name));
  return image;
}

Result<raft::Snapshot> Snapshotter::load_at(const raft::SnapshotMetadata& point) {
  const std::string name = snapshot_name(point.term, point.index);
  if (!fs_.exists(join_path(dir_, name))) return Status::not_found("no snapshot file " + join_path(dir_, name));
  return read(name);
}

Status Snapshotter::remove_temp_file(const raft::SnapshotMetadata& point) const {
  const std::string tmp = join_path(dir_, snapshot_name(point.term, point.index)) + std::string(kTempSuffix);
  if (!fs_.exists(tmp)) return Status::ok();
  COORD_RETURN_IF_ERROR(fs_.remove(tmp));
  return fs_.sync_dir(dir_);
}

Status Snapshotter::remove(const raft::SnapshotMetadata& point) {
  const std::string path = join_path(dir_, snapshot_name(point.term, point.index));
  if (!fs_.exists(path)) return Status::ok();
  COORD_RETURN_IF_ERROR(fs_.remove(path));
  return fs_.sync_dir(dir_);
}

Status Snapshotter::purge(std::size_t keep, const raft::SnapshotMetadata& newest) {
  auto names = snapshot_names();
  if (!names) return names.status();
  const std::string last = snapshot_name(newest.term, newest.index);
  // Name order is (term, index) order: everything up to `last` is a prefix of the sorted list.
  const auto end = std::upper_bound(names->begin(), names->end(), last);
  const std::size_t candidates = static_cast<std::size_t>(end - names->begin());
  if (candidates <= keep) return Status::ok();
  for (std::size_t i = 0; i < candidates - keep; ++i) {
    Status s = fs_.remove(join_path(dir_, (*names)[i]));
    if (!s && s.code() != StatusCode::kNotFound) return s;
  }
  return fs_.sync_dir(dir_);
}

}  // namespace coord::snap
