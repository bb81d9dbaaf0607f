#include "server/node/forked_save.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>

namespace coord::node {
namespace {

// The fixed part of the report (see the format in forked_save.hpp).
constexpr std::size_t kFixedReportBytes = 1 + 8 + 8 + 8 + 8 + 4;
constexpr int kNice = 10;

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <class T>
T get(const std::string& in, std::size_t& at) {
  T value;
  std::memcpy(&value, in.data() + at, sizeof value);
  at += sizeof value;
  return value;
}

std::string encode_report(const Status& status, std::uint64_t data_bytes, const snap::SaveDurations& d) {
  std::string out;
  put<std::uint8_t>(out, static_cast<std::uint8_t>(status.code()));
  put<std::uint64_t>(out, data_bytes);
  put<std::int64_t>(out, d.marshalling.count());
  put<std::int64_t>(out, d.fsync.count());
  put<std::int64_t>(out, d.total.count());
  put<std::uint32_t>(out, static_cast<std::uint32_t>(status.message().size()));
  out += status.message();
  return out;
}

// nullopt when the report is cut short (the child died while writing it, or before).
std::optional<ForkedSave::Outcome> decode_report(const std::string& in) {
  if (in.size() < kFixedReportBytes) return std::nullopt;
  std::size_t at = 0;
  ForkedSave::Outcome out;
  const auto code = static_cast<StatusCode>(get<std::uint8_t>(in, at));
  out.data_bytes = get<std::uint64_t>(in, at);
  out.durations.marshalling = std::chrono::nanoseconds(get<std::int64_t>(in, at));
  out.durations.fsync = std::chrono::nanoseconds(get<std::int64_t>(in, at));
  out.durations.total = std::chrono::nanoseconds(get<std::int64_t>(in, at));
  const auto length = get<std::uint32_t>(in, at);
  if (in.size() != kFixedReportBytes + length) return std::nullopt;
  out.status = code == StatusCode::kOk ? Status::ok() : Status(code, in.substr(at));
  return out;
}

// Ties the child's life to its parent's. The parent holds the report pipe's read end until it
// has read the report (or kills the child), and the kernel closes it when the parent dies, even
// by SIGKILL; with O_ASYNC on the write end, the last close of the read end sends SIGIO, whose
// default action ends the child. Without this, an orphan would go on for as long as its save
// takes, holding the whole copy-on-write image of the dead process (as much memory as the
// store) while a restarted member loads its own, and could rename a temp file of the same name
// that the restarted member is writing. Returns false when the parent is already gone.
bool end_with_the_parent(int report_fd) {
  ::signal(SIGIO, SIG_DFL);
  sigset_t io;
  sigemptyset(&io);
  sigaddset(&io, SIGIO);
  ::sigprocmask(SIG_UNBLOCK, &io, nullptr);  // the mask is the forking thread's
  if (::fcntl(report_fd, F_SETOWN, ::getpid()) != 0) return true;  // best effort: the child then outlives a dead parent
  const int flags = ::fcntl(report_fd, F_GETFL);
  if (flags < 0 || ::fcntl(report_fd, F_SETFL, flags | O_ASYNC) != 0) return true;
  // A read end closed before O_ASYNC was set sent nothing: a pipe without a reader polls POLLERR.
  pollfd pipe_end{report_fd, 0, 0};
  return !(::poll(&pipe_end, 1, 0) == 1 && (pipe_end.revents & POLLERR) != 0);
}

// Before the report goes out: the parent's read of it would also raise SIGIO (a pipe signals its
// writer when room is made), and the child must then still reach _exit with its status.
void stop_ending_with_the_parent(int report_fd) {
  const int flags = ::fcntl(report_fd, F_GETFL);
  if (flags >= 0) ::fcntl(report_fd, F_SETFL, flags & ~O_ASYNC);
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nobody to tell
    done += static_cast<std::size_t>(n);
  }
}

// The child's whole life. Only async-signal-safe calls, malloc (glibc's fork leaves its locks
// usable in the child) and the FileSystem's system calls: every other lock may have been held by
// a thread that does not exist here.
[[noreturn]] void run_child(int report_fd, const snap::Snapshotter& snapshotter, const raft::SnapshotMetadata& metadata,
                            const std::function<std::string()>& serialize, const snap::PaceBreaker* breaker) {
  // Nothing inherited stays open (see the header): listening sockets, the data dir's lock, the
  // WAL, peer connections. stdin/out/err stay: they are nobody's resource to release. Kept: the
  // report pipe's write end and the breaker's read end. The report pipe's read end (closed
  // before this call) and the breaker's write end go with the rest: the parent's copies must be
  // the last ones, or the parent's close would not reach this child.
  int keep[2] = {report_fd, breaker != nullptr ? breaker->read_fd() : -1};
  if (keep[1] >= 0 && keep[1] < keep[0]) std::swap(keep[0], keep[1]);
  unsigned from = 3;
  for (const int fd : keep) {
    if (fd < 0) continue;
    if (static_cast<unsigned>(fd) > from) ::close_range(from, static_cast<unsigned>(fd) - 1, 0);
    from = static_cast<unsigned>(fd) + 1;
  }
  ::close_range(from, ~0U, 0);
  // Background work, like the writer thread (server/node/snapshot_writer.cpp): the child
  // inherits the nice value of the thread that forked (the raft loop's), and would otherwise
  // take a core and the disk from it on equal terms. Best effort.
  ::setpriority(PRIO_PROCESS, 0, kNice);
  // The parent's handlers would run here for a stop signal aimed at this pid; the default ends it.
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGHUP, SIG_DFL);
  if (!end_with_the_parent(report_fd)) ::_exit(1);
  Status status;
  std::uint64_t data_bytes = 0;
  snap::SaveDurations durations;
  try {
    const raft::Snapshot snapshot{metadata, serialize()};
    data_bytes = snapshot.data.size();
    status = snapshotter.write_file(snapshot, durations, breaker);
  } catch (const std::exception& e) {  // std::bad_alloc: the copy-on-write image ran out of memory
    status = Status::io_error(std::string("snapshot child: ") + e.what());
  }
  stop_ending_with_the_parent(report_fd);
  write_all(report_fd, encode_report(status, data_bytes, durations));
  // _exit: no atexit handler, no static destructor, no stdio flush of buffers copied from the parent.
  ::_exit(status.is_ok() ? 0 : 1);
}

}  // namespace

Result<ForkedSave> ForkedSave::start(const snap::Snapshotter& snapshotter, const raft::SnapshotMetadata& metadata,
                                     const std::function<std::string()>& serialize, const snap::PaceBreaker* breaker) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::io_error(std::string("snapshot pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::unavailable(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], snapshotter, metadata, serialize, breaker);
  }
  ::close(fds[1]);
  return ForkedSave(pid, fds[0], snapshotter, metadata);
}

ForkedSave::ForkedSave(ForkedSave&& other) noexcept
    : pid_(other.pid_), report_fd_(other.report_fd_), snapshotter_(other.snapshotter_), metadata_(other.metadata_) {
  other.pid_ = -1;
  other.report_fd_ = -1;
}

ForkedSave::~ForkedSave() {
  if (report_fd_ >= 0) ::close(report_fd_);
  if (pid_ <= 0) return;
  // Invariant: no child outlives its handle. Not waited for: stop it where it is.
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  static_cast<void>(snapshotter_->remove_temp_file(metadata_));  // best effort; load() removes leftovers too
}

ForkedSave::Outcome ForkedSave::wait() {
  std::string report;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(report_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child has exited (or closed its end); an error reads as a cut report
    report.append(buf, static_cast<std::size_t>(n));
  }
  ::close(report_fd_);
  report_fd_ = -1;
  int wstatus = 0;
  pid_t reaped;
  while ((reaped = ::waitpid(pid_, &wstatus, 0)) < 0 && errno == EINTR) {
  }
  const pid_t pid = pid_;
  pid_ = -1;
  if (reaped != pid) return {Status::io_error("snapshot child " + std::to_string(pid) + ": waitpid: " + std::strerror(errno))};
  if (WIFSIGNALED(wstatus))
    return {Status::io_error("snapshot child " + std::to_string(pid) + " killed by signal " +
                             std::to_string(WTERMSIG(wstatus)))};
  auto outcome = decode_report(report);
  if (!outcome)
    return {Status::io_error("snapshot child " + std::to_string(pid) + " exited with status " +
                             std::to_string(WEXITSTATUS(wstatus)) + " without a complete report")};
  // Invariant: the exit status agrees with the report (0 exactly when the file is durable).
  if (outcome->status.is_ok() && WEXITSTATUS(wstatus) != 0)
    outcome->status = Status::io_error("snapshot child exited with status " + std::to_string(WEXITSTATUS(wstatus)));
  return *outcome;
}

}  // namespace coord::node
