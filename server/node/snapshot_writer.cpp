#include "server/node/snapshot_writer.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>

#include "server/common/check.hpp"
#include "server/common/failpoint.hpp"

namespace coord::node {
namespace {
constexpr int kNice = 10;
}  // namespace

SnapshotWriter::SnapshotWriter(snap::Snapshotter& snapshotter, std::function<void()> on_finished)
    : snapshotter_(snapshotter), on_finished_(std::move(on_finished)), thread_([this] { run(); }) {}

SnapshotWriter::~SnapshotWriter() { stop(); }

void SnapshotWriter::submit(raft::Snapshot snapshot, std::shared_ptr<snap::PaceBreaker> breaker) {
  submit_job(Job{std::move(snapshot), nullptr, std::move(breaker)});
}

void SnapshotWriter::submit_forked(const raft::SnapshotMetadata& metadata, ForkedSave child,
                                   std::shared_ptr<snap::PaceBreaker> breaker) {
  submit_job(Job{raft::Snapshot{metadata, {}}, std::make_unique<ForkedSave>(std::move(child)), std::move(breaker)});
}

void SnapshotWriter::hurry() {
  std::lock_guard lock(mu_);
  if (breaker_) breaker_->release();
}

void SnapshotWriter::submit_job(Job job) {
  {
    std::lock_guard lock(mu_);
    // Invariant: at most one snapshot in flight (the owner checks in_flight() first).
    COORD_CHECK(!in_flight_, "a snapshot was submitted while another is in flight");
    COORD_CHECK(!stopping_, "a snapshot was submitted after the writer stopped");
    breaker_ = job.breaker;
    pending_ = std::move(job);
    in_flight_ = true;
  }
  cv_.notify_all();
}

void SnapshotWriter::purge_after(std::size_t keep, const raft::SnapshotMetadata& recorded) {
  {
    std::lock_guard lock(mu_);
    purge_ = Purge{keep, recorded};
  }
  cv_.notify_all();
}

Status SnapshotWriter::take_purge_failure() {
  std::lock_guard lock(mu_);
  return std::exchange(purge_failure_, Status::ok());
}

void SnapshotWriter::dispose_erased(std::unique_ptr<Garbage> garbage) {
  {
    std::lock_guard lock(mu_);
    garbage_.push_back(std::move(garbage));  // the whole batch: no per-entry work under the lock
  }
  cv_.notify_all();
}

bool SnapshotWriter::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

std::optional<SnapshotWriter::Finished> SnapshotWriter::take_finished() {
  std::lock_guard lock(mu_);
  if (!finished_) return std::nullopt;
  return take_locked();
}

SnapshotWriter::Finished SnapshotWriter::wait() {
  std::unique_lock lock(mu_);
  COORD_CHECK(in_flight_, "waiting for a snapshot write when none is in flight");
  cv_.wait(lock, [this] { return finished_.has_value(); });
  return take_locked();
}

SnapshotWriter::Finished SnapshotWriter::take_locked() {
  Finished out = std::move(*finished_);
  finished_.reset();
  breaker_.reset();
  in_flight_ = false;  // the owner has the result: the next snapshot may start
  return out;
}

void SnapshotWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (breaker_) breaker_->release();  // what is in flight finishes at the disk's speed
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SnapshotWriter::run() {
  // Background work: on a busy machine the raft loop and the HTTP threads go first (Linux nice
  // values are per thread). Best effort; a snapshot that ends later only delays compaction.
  // SCHED_BATCH as well: a woken batch thread never preempts the one that woke it. As a normal
  // thread, the wake-up that dispose() or purge_after() gives from inside a round let it take
  // the raft thread's core at once, and the round waited up to 3.7 ms while it freed the
  // compacted entries (a 500k-key load with snapshots every 10,000 entries, timed around
  // dispose()). It still gets its fair share of the CPU.
  const auto tid = static_cast<pid_t>(::syscall(SYS_gettid));
  const sched_param batch{};
  sched_setscheduler(tid, SCHED_BATCH, &batch);
  setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kNice);
  while (true) {
    Job job;
    std::optional<Purge> purge;
    std::vector<std::unique_ptr<Garbage>> garbage;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || pending_.has_value() || purge_.has_value() || !garbage_.empty(); });
      purge = std::exchange(purge_, std::nullopt);
      garbage.swap(garbage_);
      if (!purge && !pending_ && garbage.empty()) return;  // stopping with nothing to do
    }
    // Before the next job, outside the lock like a write: the frees of dispose() (the point of
    // it), and a purge (asked for once a marker is durable; the next snapshot may be submitted
    // in the same round). Then look again: a job or more work may have come meanwhile.
    if (!garbage.empty() || purge) {
      garbage.clear();
      if (purge) {
        if (Status s = snapshotter_.purge(purge->keep, purge->recorded); !s) {
          std::lock_guard lock(mu_);
          purge_failure_ = s;
        }
      }
      continue;
    }
    {
      std::lock_guard lock(mu_);
      job = std::move(*pending_);
      pending_.reset();
    }
    // The long part, outside the lock: the owner may ask in_flight() meanwhile.
    Finished finished = write(std::move(job));
    {
      std::lock_guard lock(mu_);
      finished_ = std::move(finished);
    }
    cv_.notify_all();
    if (on_finished_) on_finished_();
  }
}

SnapshotWriter::Finished SnapshotWriter::write(Job job) {
  if (!job.child) {
    Status status = snapshotter_.save(job.snapshot, job.breaker.get());
    const std::uint64_t bytes = job.snapshot.data.size();
    return Finished{std::move(job.snapshot), std::move(status), bytes};
  }
  ForkedSave::Outcome outcome = job.child->wait();
  job.child.reset();  // reaped
  if (outcome.status.is_ok()) {
    if (failpoint::hit(failpoint::Point::kSnapAfterSave))
      outcome.status = failpoint::injected_error(failpoint::Point::kSnapAfterSave);
    else
      snapshotter_.record_timings(outcome.durations);
  }
  return Finished{std::move(job.snapshot), std::move(outcome.status), outcome.data_bytes};
}

}  // namespace coord::node
