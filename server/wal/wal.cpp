#include "server/wal/wal.hpp"

#include <algorithm>
#include <chrono>

#include "server/common/failpoint.hpp"
#include "server/common/log.hpp"
#include "server/wal/wal_reader.hpp"

namespace coord::wal {

namespace {

constexpr std::chrono::seconds kSlowFdatasync{1};
// How far past its data the WAL keeps the segment written with zeros (wal.hpp), refilled once
// the data comes within half of it. Against fallocated blocks alone, a sequential client on one
// member did 3-30% more PUTs per second in five of six alternated runs, with a lower p99
// (test/bench/RESULTS.md, eighth pass). A slice costs a 1 MiB write into the page cache and
// 1 MiB more for one fdatasync to flush, once per MiB of log.
constexpr std::uint64_t kZeroAheadBytes = 1 << 20;

constexpr std::string_view kTempSuffix = ".tmp";
constexpr std::string_view kBrokenSuffix = ".broken";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A crash during create() or a cut leaves "<segment>.tmp" behind; it was never renamed into
// place, so nothing in it was acknowledged.
Status remove_temp_files(FileSystem& fs, const std::string& dir) {
  auto names = fs.list_dir(dir);
  if (!names) return names.status();
  bool removed = false;
  for (const auto& n : *names) {
    if (!ends_with(n, kTempSuffix) || !parse_segment_name(n.substr(0, n.size() - kTempSuffix.size()))) continue;
    COORD_RETURN_IF_ERROR(fs.remove(join_path(dir, n)));
    removed = true;
  }
  return removed ? fs.sync_dir(dir) : Status::ok();
}

// Keeps a copy of a damaged segment, then cuts it after its last good record and restores
// the zero-filled preallocation, so the next scan ends cleanly.
Status repair_tail(FileSystem& fs, const std::string& dir, const std::string& path, std::uint64_t good_end,
                   std::uint64_t segment_bytes) {
  auto bytes = fs.read_file(path);
  if (!bytes) return bytes.status();
  // An earlier repair's copy is evidence too: never overwrite it.
  std::string copy = path + std::string(kBrokenSuffix);
  for (int n = 1; fs.exists(copy); ++n) copy = path + std::string(kBrokenSuffix) + "." + std::to_string(n);
  {
    auto broken = fs.open(copy, OpenMode::kCreateExclusive);
    if (!broken) return broken.status();
    COORD_RETURN_IF_ERROR((*broken)->append(*bytes));
    COORD_RETURN_IF_ERROR((*broken)->sync());
    COORD_RETURN_IF_ERROR((*broken)->close());
  }
  COORD_RETURN_IF_ERROR(fs.sync_dir(dir));
  auto file = fs.open(path, OpenMode::kReadWrite);
  if (!file) return file.status();
  COORD_RETURN_IF_ERROR((*file)->truncate(good_end));
  COORD_RETURN_IF_ERROR((*file)->preallocate(segment_bytes));
  COORD_RETURN_IF_ERROR((*file)->sync());
  COORD_RETURN_IF_ERROR((*file)->close());
  COORD_LOG_WARN("repaired the WAL's torn tail", {"segment", path}, {"valid-bytes", good_end}, {"damaged-copy", copy});
  return Status::ok();
}

}  // namespace

Wal::Wal(FileSystem& fs, std::string dir, std::string metadata, WalOptions options, std::unique_ptr<DirLock> lock)
    : fs_(fs), dir_(std::move(dir)), metadata_(std::move(metadata)), options_(options), lock_(std::move(lock)) {}

Wal::~Wal() = default;  // no sync: what was not saved with sync=true may be lost, as after a crash

bool Wal::exists(FileSystem& fs, const std::string& dir) {
  auto names = fs.list_dir(dir);
  if (!names) return false;
  for (const auto& n : *names) {
    if (parse_segment_name(n)) return true;
  }
  return false;
}

Result<std::vector<raft::SnapshotMetadata>> Wal::snapshot_markers(FileSystem& fs, const std::string& dir) {
  return read_snapshot_markers(fs, dir);
}

Result<std::unique_ptr<Wal>> Wal::create(FileSystem& fs, std::string dir, std::string metadata, WalOptions options) {
  if (exists(fs, dir)) return Status::invalid_argument("a WAL already exists in " + dir);
  COORD_RETURN_IF_ERROR(fs.mkdirs(dir));
  COORD_RETURN_IF_ERROR(fs.sync_dir(parent_path(dir)));
  auto lock = fs.lock_dir(dir);
  if (!lock) return lock.status();
  COORD_RETURN_IF_ERROR(remove_temp_files(fs, dir));
  std::unique_ptr<Wal> wal(new Wal(fs, std::move(dir), std::move(metadata), options, std::move(*lock)));
  COORD_RETURN_IF_ERROR(wal->create_segment(0, 0));
  return wal;
}

Result<std::pair<std::unique_ptr<Wal>, WalContents>> Wal::open(FileSystem& fs, std::string dir,
                                                               raft::SnapshotMetadata from, WalOptions options) {
  auto lock = fs.lock_dir(dir);
  if (!lock) return lock.status();
  COORD_RETURN_IF_ERROR(remove_temp_files(fs, dir));
  auto rep = replay(fs, dir, from);
  if (!rep) return rep.status();
  if (rep->torn) {
    // Repair once. A second torn tail right after the repair means the repair itself failed.
    const auto& last = rep->segments.back();
    const std::string path = join_path(dir, segment_name(last.seq, last.first_index));
    COORD_RETURN_IF_ERROR(repair_tail(fs, dir, path, rep->tail_offset, options.segment_bytes));
    rep = replay(fs, dir, from);
    if (!rep) return rep.status();
    if (rep->torn) return Status::corruption("WAL segment " + path + " is still damaged after repair " + rep->torn_problem);
  }
  std::unique_ptr<Wal> wal(new Wal(fs, std::move(dir), rep->contents.metadata, options, std::move(*lock)));
  const auto& last = rep->segments.back();
  auto file = fs.open(wal->path_of(last), OpenMode::kReadWrite);
  if (!file) return file.status();
  COORD_RETURN_IF_ERROR((*file)->preallocate(options.segment_bytes));
  wal->file_ = std::move(*file);
  wal->segments_.assign(rep->segments.begin(), rep->segments.end());
  wal->offset_ = rep->tail_offset;
  wal->last_index_ = rep->last_index;
  wal->hard_state_ = rep->contents.hard_state;
  wal->marker_ = rep->newest_marker;
  return std::make_pair(std::move(wal), std::move(rep->contents));
}

std::string Wal::path_of(const SegmentName& s) const { return join_path(dir_, segment_name(s.seq, s.first_index)); }

std::vector<std::string> Wal::segment_files() const {
  std::vector<std::string> out;
  for (const auto& s : segments_) out.push_back(path_of(s));
  return out;
}

// Writes the preamble into "<name>.tmp", preallocates, syncs, renames into place and syncs the
// directory: a segment exists under its real name only once its preamble is durable.
Status Wal::create_segment(std::uint64_t seq, std::uint64_t first_index) {
  const SegmentName name{seq, first_index};
  const std::string path = path_of(name);
  const std::string tmp = path + std::string(kTempSuffix);
  std::string preamble;
  append_record(preamble, RecordType::kSegmentHeader, encode_segment_header({kFormatVersion, seq, first_index}));
  append_record(preamble, RecordType::kMetadata, metadata_);
  if (!hard_state_.empty()) append_record(preamble, RecordType::kHardState, encode_hard_state(hard_state_));
  if (marker_.index != 0) append_record(preamble, RecordType::kSnapshotMarker, encode_snapshot_marker(marker_));
  auto file = fs_.open(tmp, OpenMode::kCreate);
  if (!file) return fail(file.status());
  COORD_RETURN_IF_ERROR(fail((*file)->preallocate(options_.segment_bytes)));
  COORD_RETURN_IF_ERROR(fail((*file)->write_at(0, preamble)));
  COORD_RETURN_IF_ERROR(fail((*file)->sync()));
  COORD_RETURN_IF_ERROR(fail(fs_.rename(tmp, path)));
  COORD_RETURN_IF_ERROR(fail(fs_.sync_dir(dir_)));
  file_ = std::move(*file);
  segments_.push_back(name);
  offset_ = preamble.size();
  zeroed_end_ = 0;
  return Status::ok();
}

// Cuts after the last record: the old segment is trimmed to its data (a non-last segment never
// ends in zeros) and made durable before the next one appears.
Status Wal::cut() {
  COORD_RETURN_IF_ERROR(fail(file_->truncate(offset_)));
  COORD_RETURN_IF_ERROR(fail(file_->sync()));
  COORD_RETURN_IF_ERROR(fail(file_->close()));
  file_.reset();
  return create_segment(segments_.back().seq + 1, last_index_ + 1);
}

Status Wal::fail(Status s) {
  if (!s && broken_) broken_ = s;
  return s;
}

Status Wal::write_buffer(bool sync) {
  if (!broken_) return broken_;
  if (closed_) return Status::aborted("WAL " + dir_ + " is closed");
  // Invariant: records start 8-byte aligned (the reader looks for them only there), and the
  // segment being written is open.
  COORD_CHECK(offset_ % kRecordAlignment == 0 && file_ != nullptr, "WAL writer lost its position");
  COORD_RETURN_IF_ERROR(fail(zero_ahead(offset_ + buf_.size())));
  COORD_RETURN_IF_ERROR(fail(file_->write_at(offset_, buf_)));
  offset_ += buf_.size();
  if (options_.written_bytes != nullptr) options_.written_bytes->fetch_add(buf_.size(), std::memory_order_relaxed);
  if (sync) {
    const auto start = std::chrono::steady_clock::now();
    if (failpoint::hit(failpoint::Point::kFdatasync)) return fail(failpoint::injected_error(failpoint::Point::kFdatasync));
    COORD_RETURN_IF_ERROR(fail(file_->datasync()));
    const auto took = std::chrono::steady_clock::now() - start;
    if (options_.fsync_durations != nullptr) options_.fsync_durations->observe(took);
    // etcd's warning (wal.go): a disk this slow delays every write and may cost the leadership.
    if (took > kSlowFdatasync)
      COORD_LOG_WARN("slow fdatasync", log::duration("took", took), log::duration("expected-duration", kSlowFdatasync));
  }
  if (offset_ >= options_.segment_bytes) return cut();
  return Status::ok();
}

// Before a write ending at `data_end`: writes the next slice of zeros when the data comes within
// half a slice of zeroed_end_ (wal.hpp, "Zero-filled ahead"). Written before the data so that the
// data's own blocks are, usually, already written ones when its fdatasync runs.
Status Wal::zero_ahead(std::uint64_t data_end) {
  static const std::string kZeros(kZeroAheadBytes, '\0');
  zeroed_end_ = std::max(zeroed_end_, offset_);
  if (data_end + kZeroAheadBytes / 2 <= zeroed_end_ || zeroed_end_ >= options_.segment_bytes) return Status::ok();
  const std::uint64_t n = std::min<std::uint64_t>(kZeroAheadBytes, options_.segment_bytes - zeroed_end_);
  COORD_RETURN_IF_ERROR(file_->write_at(zeroed_end_, std::string_view(kZeros).substr(0, n)));
  zeroed_end_ += n;
  return Status::ok();
}

// Refuses a batch replay could not read back (a hole in the indexes, a record too large), so a
// caller's bug becomes an error now instead of a WAL that no longer opens.
Status Wal::check_appendable(const std::vector<raft::Entry>& entries) const {
  std::uint64_t expected_max = last_index_ + 1;
  for (const auto& e : entries) {
    if (e.index == 0 || e.index > expected_max)
      return Status::internal("WAL save: entry index " + std::to_string(e.index) + " leaves a gap after index " +
                              std::to_string(expected_max - 1));
    if (e.data.size() > kMaxRecordLength - kMaxEntryOverhead)
      return Status::invalid_argument("WAL save: entry " + std::to_string(e.index) + " is too large (" +
                                      std::to_string(e.data.size()) + " bytes)");
    expected_max = e.index + 1;
  }
  return Status::ok();
}

Status Wal::save(const raft::HardState& hard_state, const std::vector<raft::Entry>& entries, bool sync) {
  if (entries.empty() && hard_state.empty()) return Status::ok();
  if (failpoint::hit(failpoint::Point::kWalBeforeSave)) return fail(failpoint::injected_error(failpoint::Point::kWalBeforeSave));
  COORD_RETURN_IF_ERROR(check_appendable(entries));
  buf_.clear();
  // Entries before the hard state: a torn batch can lose the commit index but never keep a
  // commit index that points past the entries it covers (etcd#3591).
  for (const auto& e : entries) append_entry_record(buf_, e);
  if (!hard_state.empty()) append_record(buf_, RecordType::kHardState, encode_hard_state(hard_state));
  // Updated before the write because a cut right after it names the next segment and restates
  // the hard state; if the write fails the Wal is unusable anyway.
  if (!entries.empty()) last_index_ = entries.back().index;
  if (!hard_state.empty()) hard_state_ = hard_state;
  COORD_RETURN_IF_ERROR(write_buffer(sync));
  if (failpoint::hit(failpoint::Point::kWalAfterSave)) return fail(failpoint::injected_error(failpoint::Point::kWalAfterSave));
  return Status::ok();
}

Status Wal::save_snapshot_marker(const raft::SnapshotMetadata& snapshot) {
  buf_.clear();
  append_record(buf_, RecordType::kSnapshotMarker, encode_snapshot_marker(snapshot));
  if (snapshot.index >= marker_.index) marker_ = snapshot;
  if (snapshot.index > last_index_) last_index_ = snapshot.index;
  return write_buffer(true);
}

Status Wal::release_to(std::uint64_t index, std::size_t keep) {
  if (!broken_) return broken_;
  if (closed_) return Status::aborted("WAL " + dir_ + " is closed");
  bool removed = false;
  // segments_[1].first_index - 1 is the highest index segments_[0] can hold.
  while (segments_.size() > std::max<std::size_t>(keep, 1) && segments_[1].first_index <= index + 1) {
    COORD_RETURN_IF_ERROR(fs_.remove(path_of(segments_.front())));
    segments_.pop_front();
    removed = true;
  }
  return removed ? fs_.sync_dir(dir_) : Status::ok();
}

Status Wal::close() {
  if (closed_) return Status::ok();
  closed_ = true;
  Status s = broken_ ? file_->datasync() : broken_;
  if (Status c = file_->close(); s && !c) s = c;
  file_.reset();
  lock_.reset();
  return s;
}

}  // namespace coord::wal
