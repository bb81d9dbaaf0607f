#include "server/node/durable_log.hpp"

#include <limits>

#include "server/common/check.hpp"
#include "server/common/coding.hpp"
#include "server/common/failpoint.hpp"
#include "server/common/hex.hpp"
#include "server/common/log.hpp"
#include "server/node/forked_save.hpp"
#include "server/node/snapshot_writer.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshotter.hpp"
#include "server/wal/wal.hpp"
#include "server/wal/wal_reader.hpp"

namespace coord::node {
namespace {

std::string snap_dir_of(const std::string& data_dir) { return join_path(join_path(data_dir, "member"), "snap"); }

// The snapshot as the in-memory log keeps it: metadata only (see LogStorage).
raft::Snapshot without_data(const raft::Snapshot& s) { return raft::Snapshot{s.metadata, {}}; }

std::string encode_metadata(std::uint64_t member_id, std::uint64_t cluster_id) {
  std::string out;
  Encoder e(out);
  e.put_u8(kMetadataVersion);
  e.put_u64(member_id);
  e.put_u64(cluster_id);
  return out;
}

Status decode_metadata(std::string_view data, std::uint64_t& member_id, std::uint64_t& cluster_id) {
  Decoder d(data);
  std::uint8_t version = 0;
  if (!d.get_u8(version) || version != kMetadataVersion || !d.get_u64(member_id) || !d.get_u64(cluster_id))
    return Status::corruption("WAL metadata is not a coordd member record");
  return Status::ok();
}

}  // namespace

Result<std::optional<std::pair<std::uint64_t, std::uint64_t>>> DurableLog::recorded_identity(
    FileSystem& fs, const std::string& data_dir) {
  const std::string wal_dir = join_path(join_path(data_dir, "member"), "wal");
  if (!wal::Wal::exists(fs, wal_dir)) return std::optional<std::pair<std::uint64_t, std::uint64_t>>{};
  // The newest segment's preamble says it; open() replays and checks the whole log afterwards.
  auto metadata = wal::read_recorded_metadata(fs, wal_dir);
  if (!metadata) return metadata.status();
  std::uint64_t member = 0, cluster = 0;
  COORD_RETURN_IF_ERROR(decode_metadata(*metadata, member, cluster));
  return std::optional<std::pair<std::uint64_t, std::uint64_t>>{{member, cluster}};
}

DurableLog::DurableLog(FileSystem& fs, std::string data_dir, DurableLogOptions options)
    : fs_(fs),
      data_dir_(std::move(data_dir)),
      options_(std::move(options)),
      snapshotter_(std::make_unique<snap::Snapshotter>(fs, snap_dir_of(data_dir_), options_.snap_timings,
                                                        options_.snap_pacing)),
      writer_(std::make_unique<SnapshotWriter>(*snapshotter_, options_.on_snapshot_written)) {}

DurableLog::~DurableLog() {
  stop_snapshot_writer();
  // Nobody is left to hear a close error here; what had to be durable was synced already.
  if (wal_) static_cast<void>(wal_->close());
}

void DurableLog::stop_snapshot_writer() { writer_->stop(); }

Result<std::unique_ptr<DurableLog>> DurableLog::open(FileSystem& fs, const std::string& data_dir,
                                                     std::uint64_t member_id, std::uint64_t cluster_id,
                                                     DurableLogOptions options) {
  std::unique_ptr<DurableLog> log(new DurableLog(fs, data_dir, options));
  const std::string wal_dir = join_path(join_path(data_dir, "member"), "wal");
  COORD_RETURN_IF_ERROR(fs.mkdirs(snap_dir_of(data_dir)));
  wal::WalOptions wal_options;
  wal_options.segment_bytes = options.wal_segment_bytes;
  wal_options.fsync_durations = options.wal_fsync_durations;
  wal_options.written_bytes = options.wal_written_bytes;

  if (!wal::Wal::exists(fs, wal_dir)) {
    auto wal = wal::Wal::create(fs, wal_dir, encode_metadata(member_id, cluster_id), wal_options);
    if (!wal) return wal.status();
    log->wal_ = std::move(*wal);
    log->cluster_id_ = cluster_id;
    log->is_new_ = true;
    return log;
  }

  // Restart: the newest valid snapshot the WAL can replay from, then the WAL after it. The
  // flags' initial cluster no longer matters; the WAL says who we are.
  // Newest first, the WAL is opened from the point each snapshot file names: it reads only the
  // segments from that point on and tells whether it holds the snapshot's marker. A crash
  // between writing a snapshot file and its marker leaves a newer file the WAL has no marker
  // for, which is passed over; the next older one is tried, and with none left the whole WAL is
  // replayed. (Listing every marker first, Wal::snapshot_markers, read every segment once
  // more: a quarter of a 1M-key restart.)
  auto candidates = log->snapshotter_->candidates_newest_first();
  if (!candidates) return candidates.status();
  std::optional<std::pair<std::unique_ptr<wal::Wal>, wal::WalContents>> found;
  for (const raft::SnapshotMetadata& point : *candidates) {
    auto attempt = wal::Wal::open(fs, wal_dir, point, wal_options);
    if (!attempt && attempt.status().code() == StatusCode::kNotFound) continue;
    if (!attempt) return attempt.status();
    if (!attempt->second.marker_for_from) continue;  // only the entry: the file's marker never came
    auto image = log->snapshotter_->load_candidate(point);
    if (!image && image.status().code() == StatusCode::kCorruption) continue;  // renamed .broken; the WAL closes
    if (!image) return image.status();
    log->recovered_snapshot_.metadata = image->metadata();
    log->recovered_image_ = std::move(*image);
    found = std::move(*attempt);
    break;
  }
  if (!found) {
    auto whole = wal::Wal::open(fs, wal_dir, raft::SnapshotMetadata{}, wal_options);
    if (!whole) return whole.status();
    found = std::move(*whole);
  }
  auto& [wal, contents] = *found;
  std::uint64_t wal_member = 0, wal_cluster = 0;
  COORD_RETURN_IF_ERROR(decode_metadata(contents.metadata, wal_member, wal_cluster));
  if (wal_member != member_id)
    return Status::invalid_argument("data dir " + data_dir + " belongs to member " + to_hex(wal_member) +
                                    ", not to " + to_hex(member_id) + " (check --name and the peer URLs)");
  log->cluster_id_ = wal_cluster;
  if (!log->recovered_snapshot_.empty())
    COORD_RETURN_IF_ERROR(log->storage_.apply_snapshot(without_data(log->recovered_snapshot_)));
  // A crash after a received snapshot's WAL marker and before the next hard state leaves a
  // commit index below the snapshot; what a snapshot holds is committed, so it counts as such.
  raft::HardState hard_state = contents.hard_state;
  if (!hard_state.empty()) hard_state.commit = std::max(hard_state.commit, log->recovered_snapshot_.metadata.index);
  log->storage_.set_hard_state(hard_state);
  COORD_RETURN_IF_ERROR(log->storage_.append(contents.entries));
  log->wal_ = std::move(wal);
  return log;
}

Status DurableLog::save(const std::optional<raft::HardState>& hard_state, const std::vector<raft::Entry>& entries,
                        bool sync) {
  COORD_RETURN_IF_ERROR(wal_->save(hard_state.value_or(raft::HardState{}), entries, sync));
  if (!entries.empty()) COORD_RETURN_IF_ERROR(storage_.append(entries));
  if (hard_state) storage_.set_hard_state(*hard_state);
  return Status::ok();
}

Status DurableLog::save_received_snapshot(const raft::Snapshot& snapshot) {
  // The file first, then the marker: a marker must never point at a snapshot that is not there.
  // This runs in a round while a local write may be in flight on the writer thread: a
  // different file (the leader's snapshot is newer than anything applied here), and nothing is
  // purged until that write has been finished.
  if (failpoint::hit(failpoint::Point::kSnapBeforeApply)) return failpoint::injected_error(failpoint::Point::kSnapBeforeApply);
  if (snapshot.data.empty()) {
    // Received as a file (the transport renamed it into place after its sync): durable already.
    const std::string path = join_path(snapshotter_->dir(), snap::snapshot_name(snapshot.metadata.term, snapshot.metadata.index));
    if (!fs_.exists(path)) return Status::not_found("received snapshot file " + path + " is not there");
  } else {
    COORD_RETURN_IF_ERROR(snapshotter_->save(snapshot));
  }
  COORD_RETURN_IF_ERROR(wal_->save_snapshot_marker(snapshot.metadata));
  COORD_RETURN_IF_ERROR(storage_.apply_snapshot(without_data(snapshot)));
  if (failpoint::hit(failpoint::Point::kSnapAfterApply)) return failpoint::injected_error(failpoint::Point::kSnapAfterApply);
  return Status::ok();
}

Result<snap::SnapshotImage> DurableLog::snapshot_image(const raft::SnapshotMetadata& point) {
  return snap::SnapshotImage::open(fs_, join_path(snapshotter_->dir(), snap::snapshot_name(point.term, point.index)), point);
}

std::string DurableLog::snapshot_dir(const std::string& data_dir) { return snap_dir_of(data_dir); }

bool DurableLog::snapshot_in_flight() const { return writer_->in_flight(); }

Status DurableLog::start_snapshot(std::uint64_t index, const raft::ConfState& conf_state, std::string data) {
  // Invariant: at most one local snapshot in flight.
  COORD_CHECK(!writer_->in_flight(), "a snapshot was started while another is in flight");
  auto term = storage_.term(index);
  if (!term) return term.status();
  writer_->submit(raft::Snapshot{raft::SnapshotMetadata{index, *term, conf_state}, std::move(data)}, pace_breaker());
  return Status::ok();
}

std::shared_ptr<snap::PaceBreaker> DurableLog::pace_breaker() const {
  // An unpaced write has nothing to end. Without descriptors for its pipe a snapshot is still
  // written, paced to the end.
  if (options_.snap_pacing.bytes_per_second == 0) return nullptr;
  auto breaker = snap::PaceBreaker::create();
  if (!breaker) return nullptr;
  return std::make_shared<snap::PaceBreaker>(std::move(*breaker));
}

Status DurableLog::capture_snapshot(std::uint64_t index, const raft::ConfState& conf_state,
                                    const std::function<std::string()>& serialize) {
  if (options_.capture == SnapshotCapture::kInline) return start_snapshot(index, conf_state, serialize());
  // Invariant: at most one local snapshot in flight (so at most one child).
  COORD_CHECK(!writer_->in_flight(), "a snapshot was started while another is in flight");
  auto term = storage_.term(index);
  if (!term) return term.status();
  // The child fires no failpoint (it must not log, and a crash there would end only the
  // child): snap_before_save is evaluated here, snap_after_save by the writer (SnapshotWriter).
  if (failpoint::hit(failpoint::Point::kSnapBeforeSave)) return failpoint::injected_error(failpoint::Point::kSnapBeforeSave);
  const raft::SnapshotMetadata metadata{index, *term, conf_state};
  auto breaker = pace_breaker();
  auto child = ForkedSave::start(*snapshotter_, metadata, serialize, breaker.get());
  if (child) {
    writer_->submit_forked(metadata, std::move(*child), std::move(breaker));
    return Status::ok();
  }
  // No child (ENOMEM, EAGAIN): this snapshot is captured in the round, as kInline would.
  if (options_.log && !fork_failure_logged_)
    COORD_LOG_WARN("snapshot capture by fork failed; capturing on the raft loop instead",
                   {"error", child.status().to_string()});
  fork_failure_logged_ = true;
  return start_snapshot(index, conf_state, serialize());
}

Result<SnapshotOutcome> DurableLog::finish_snapshot(std::uint64_t keep_entries, std::uint64_t follower_has) {
  COORD_RETURN_IF_ERROR(writer_->take_purge_failure());
  auto finished = writer_->take_finished();
  if (!finished) return SnapshotOutcome::kNotReady;
  if (!finished->status) return finished->status;
  return record_snapshot(std::move(*finished), keep_entries, follower_has);
}

Result<SnapshotOutcome> DurableLog::wait_and_finish_snapshot(std::uint64_t keep_entries, std::uint64_t follower_has) {
  COORD_RETURN_IF_ERROR(writer_->take_purge_failure());
  if (!writer_->in_flight()) return SnapshotOutcome::kNotReady;
  writer_->hurry();  // nothing waits any more for the disk this write would leave to the WAL
  auto finished = writer_->wait();
  if (!finished.status) return finished.status;
  return record_snapshot(std::move(finished), keep_entries, follower_has);
}

Result<SnapshotOutcome> DurableLog::create_snapshot(std::uint64_t index, const raft::ConfState& conf_state,
                                                    std::string data, std::uint64_t keep_entries,
                                                    std::uint64_t follower_has) {
  COORD_RETURN_IF_ERROR(start_snapshot(index, conf_state, std::move(data)));
  return wait_and_finish_snapshot(keep_entries, follower_has);
}

Result<SnapshotOutcome> DurableLog::record_snapshot(SnapshotWriter::Finished written, std::uint64_t keep_entries,
                                                    std::uint64_t follower_has) {
  // Invariant: only a write that ended ok — the file fsync'ed, renamed into place and its
  // directory fsync'ed — is recorded, so the WAL marker never points at a file that may vanish.
  COORD_CHECK(written.status.is_ok(), "a WAL marker for a snapshot file that is not durable");
  const raft::SnapshotMetadata& m = written.snapshot.metadata;
  const std::uint64_t index = m.index;
  auto base = storage_.snapshot();  // metadata only: cheap
  if (!base) return base.status();
  if (index <= base->metadata.index) {
    // A snapshot from the leader at or past this index was installed while the file was
    // written: recording this one would move the log's base backwards. Drop it; its file has
    // no marker, so removing it is only tidiness (unless it is the very file installed).
    if (!(base->metadata.index == index && base->metadata.term == m.term))
      COORD_RETURN_IF_ERROR(snapshotter_->remove(m));
    return SnapshotOutcome::kDropped;
  }
  COORD_RETURN_IF_ERROR(wal_->save_snapshot_marker(m));
  recorded_snapshot_bytes_ = written.data_bytes;
  auto held = storage_.create_snapshot(index, m.conf_state, std::string());
  if (!held) return held.status();
  // Invariant: the term the file was named with is the term the log still has at `index`
  // (applied entries are never overwritten).
  COORD_CHECK(held->metadata.term == m.term, "the snapshot's term changed while it was written");
  // Only now, with the marker durable, may anything older be released. Keep up to
  // `keep_entries` (and catch_up_bytes) for slow followers; after a restart the in-memory log may
  // already start later than that (it begins at the recovered snapshot), and then there is
  // nothing to drop.
  std::uint64_t point = storage_.compaction_point(index, keep_entries, options_.catch_up_bytes);
  if (follower_has != 0 && follower_has < point) {
    // Down to what that follower has, as far as catch_up_bytes allows (finish_snapshot()).
    const std::uint64_t bytes_allow = storage_.compaction_point(index, std::numeric_limits<std::uint64_t>::max(),
                                                                options_.catch_up_bytes);
    point = std::max(follower_has, bytes_allow);
  }
  if (point >= storage_.first_index()) {
    std::vector<raft::Entry> discarded;
    COORD_RETURN_IF_ERROR(storage_.compact(point, &discarded));
    if (!discarded.empty()) writer_->dispose(std::move(discarded));  // freed on the writer thread, not in this round
  }
  // 0 means "keep every file" (etcd's --max-wals / --max-snapshots); never "keep none", which
  // would delete the snapshot the marker just pointed at.
  if (options_.max_wals != 0) COORD_RETURN_IF_ERROR(wal_->release_to(index, options_.max_wals));
  // Old snapshot files go on the writer thread (SnapshotWriter::purge_after); a failure
  // surfaces at the next finish_snapshot().
  if (options_.max_snapshots != 0) writer_->purge_after(options_.max_snapshots, m);
  return SnapshotOutcome::kRecorded;
}

}  // namespace coord::node
