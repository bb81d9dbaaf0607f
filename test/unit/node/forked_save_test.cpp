// Snapshots captured by fork() (server/node/forked_save.hpp) on the real file system: the child
// writes the very bytes the inline path writes, a child that fails or dies is a failed write,
// failpoints still fire, stopping the writer while a child writes leaves neither a child nor
// a temp file, and a child whose parent is killed ends with it.
#include "server/node/forked_save.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/common/failpoint.hpp"
#include "server/common/file_mem.hpp"
#include "server/common/file_posix.hpp"
#include "server/node/durable_log.hpp"
#include "server/node/snapshot_writer.hpp"
#include "server/snap/snap_format.hpp"
#include "server/store/store.hpp"
#include "test/support/file/scratch_dir.hpp"
#include "test/support/process/eventually.hpp"
#include "test/unit/node/gated_file_system.hpp"

namespace coord::node {
namespace {

constexpr std::uint64_t kMember = 1, kCluster = 7;
const raft::ConfState kConf{{kMember}};

// A store of `keys` keys with values long enough that the file spans several of the
// Snapshotter's 4 MiB sync slices.
void fill(store::Store& store, int keys) {
  for (int i = 0; i < keys; ++i)
    BOOST_REQUIRE(store.set("/k/" + std::to_string(i), false, std::string(600, static_cast<char>('a' + i % 26)),
                            std::nullopt, 0)
                      .ok());
}

std::unique_ptr<DurableLog> open_log(FileSystem& fs, const std::string& dir, SnapshotCapture capture) {
  DurableLogOptions options;
  options.capture = capture;
  options.log = false;
  auto log = DurableLog::open(fs, dir, kMember, kCluster, options);
  BOOST_REQUIRE_MESSAGE(log.is_ok(), log.status().to_string());
  return std::move(*log);
}

void append(DurableLog& log, std::uint64_t first, std::uint64_t last) {
  for (std::uint64_t i = first; i <= last; ++i) {
    const std::vector<raft::Entry> entries{raft::Entry{2, i, raft::EntryType::kNormal, "e" + std::to_string(i)}};
    BOOST_REQUIRE(log.save(raft::HardState{2, kMember, i}, entries, true).is_ok());
  }
}

std::string snap_dir(const std::string& data_dir) { return data_dir + "/member/snap"; }

std::string read_all(const std::string& path) {
  PosixFileSystem fs;
  auto text = fs.read_file(path);
  BOOST_REQUIRE_MESSAGE(text.is_ok(), text.status().to_string());
  return std::move(*text);
}

// The temp files left in `dir` (a save cut short).
std::size_t temp_files(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".tmp") ++n;
  return n;
}

// True when `pid` is gone entirely: not running, not a zombie waiting to be reaped.
bool reaped(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// A PosixFileSystem whose rename() into a ".snap" file (the temp file written and fsync'ed) is
// held until the test lets it go — from another process: a forked child's copy of any mutex
// would never hear the parent. Two FIFOs in `dir` do it without sleeps: the child opens
// "held" for writing (the test's open for reading returns: the child is mid-write), then opens
// "gate" for reading, which blocks until the test opens it for writing and closes it.
class FifoGatedFileSystem final : public FileSystem {
 public:
  explicit FifoGatedFileSystem(const std::string& dir) : held_(dir + "/held"), gate_(dir + "/gate") {
    BOOST_REQUIRE(::mkfifo(held_.c_str(), 0600) == 0);
    BOOST_REQUIRE(::mkfifo(gate_.c_str(), 0600) == 0);
  }
  // The test's side: returns once a rename waits at the gate.
  void wait_until_held() {
    const int fd = ::open(held_.c_str(), O_RDONLY | O_CLOEXEC);
    BOOST_REQUIRE(fd >= 0);
    char c;
    while (::read(fd, &c, 1) > 0) {
    }
    ::close(fd);
  }
  // The test's side: lets the held rename go on.
  void open_gate() {
    const int fd = ::open(gate_.c_str(), O_WRONLY | O_CLOEXEC);
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
  }

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override { return posix_.open(path, mode); }
  Result<std::string> read_file(const std::string& path) override { return posix_.read_file(path); }
  Result<std::uint64_t> file_size(const std::string& path) override { return posix_.file_size(path); }
  bool exists(const std::string& path) override { return posix_.exists(path); }
  Status rename(const std::string& from, const std::string& to) override {
    if (to.size() >= 5 && to.substr(to.size() - 5) == ".snap") {
      // Async-signal-safe calls only: this runs in the child.
      const int held = ::open(held_.c_str(), O_WRONLY | O_CLOEXEC);
      if (held >= 0) ::close(held);
      const int gate = ::open(gate_.c_str(), O_RDONLY | O_CLOEXEC);
      char c;
      if (gate >= 0)
        while (::read(gate, &c, 1) > 0) {
        }
      if (gate >= 0) ::close(gate);
    }
    return posix_.rename(from, to);
  }
  Status remove(const std::string& path) override { return posix_.remove(path); }
  Result<std::vector<std::string>> list_dir(const std::string& dir) override { return posix_.list_dir(dir); }
  Status mkdirs(const std::string& dir) override { return posix_.mkdirs(dir); }
  Status sync_dir(const std::string& dir) override { return posix_.sync_dir(dir); }
  Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) override { return posix_.lock_dir(dir); }

 private:
  PosixFileSystem posix_;
  const std::string held_;
  const std::string gate_;
};

struct FailpointsCleared {
  ~FailpointsCleared() { failpoint::configure(failpoint::Table{}); }
};

const raft::SnapshotMetadata kAt10{10, 2, kConf};

}  // namespace

BOOST_AUTO_TEST_SUITE(forked_save)

BOOST_AUTO_TEST_CASE(capture__the_childs_file_is_byte_identical_to_the_inline_one) {
  store::Store store;
  fill(store, 20000);  // about 13 MB: several sync slices
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  auto inline_log = open_log(fs, scratch / "inline", SnapshotCapture::kInline);
  auto forked_log = open_log(fs, scratch / "forked", SnapshotCapture::kForked);
  for (auto* log : {inline_log.get(), forked_log.get()}) {
    append(*log, 1, 30);
    BOOST_REQUIRE(log->capture_snapshot(30, kConf, [&] { return store.save(); }).is_ok());
    auto outcome = log->wait_and_finish_snapshot(5);
    BOOST_REQUIRE_MESSAGE(outcome.is_ok(), outcome.status().to_string());
    BOOST_TEST((*outcome == SnapshotOutcome::kRecorded));
  }
  const std::string name = "/" + snap::snapshot_name(2, 30);
  const std::string inline_file = read_all(snap_dir(scratch / "inline") + name);
  BOOST_TEST(inline_file.size() > store.save().size());
  BOOST_TEST((inline_file == read_all(snap_dir(scratch / "forked") + name)));
  BOOST_TEST(forked_log->recorded_snapshot_bytes() == store.save().size());
  BOOST_TEST(inline_log->recorded_snapshot_bytes() == store.save().size());
  BOOST_TEST(temp_files(snap_dir(scratch / "forked")) == 0u);
}

BOOST_AUTO_TEST_CASE(capture__a_forked_snapshot_is_recovered_after_a_restart) {
  store::Store store;
  fill(store, 100);
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  {
    auto log = open_log(fs, scratch.path(), SnapshotCapture::kForked);
    append(*log, 1, 30);
    BOOST_REQUIRE(log->capture_snapshot(20, kConf, [&] { return store.save(); }).is_ok());
    BOOST_REQUIRE(log->wait_and_finish_snapshot(5).is_ok());
  }
  auto reopened = open_log(fs, scratch.path(), SnapshotCapture::kForked);
  BOOST_TEST(reopened->recovered_snapshot().metadata.index == 20u);
  BOOST_TEST((reopened->recovered_data() == store.save()));
  BOOST_TEST(reopened->memory().last_index() == 30u);
}

BOOST_AUTO_TEST_CASE(wait__a_child_whose_write_fails_is_a_failed_write) {
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  auto log = open_log(fs, scratch.path(), SnapshotCapture::kForked);
  append(*log, 1, 30);
  // The snapshot directory replaced by a plain file: the child cannot create its temp file.
  std::filesystem::remove_all(snap_dir(scratch.path()));
  { std::ofstream(snap_dir(scratch.path())) << "not a directory"; }
  BOOST_REQUIRE(log->capture_snapshot(30, kConf, [] { return std::string("state"); }).is_ok());
  auto outcome = log->wait_and_finish_snapshot(5);
  BOOST_TEST(!outcome.is_ok());
  BOOST_TEST((outcome.status().code() == StatusCode::kIoError));
}

BOOST_AUTO_TEST_CASE(wait__a_child_killed_by_a_signal_is_a_failed_write_and_leaves_no_file) {
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  snap::Snapshotter snapshotter(fs, scratch.path());
  auto child = ForkedSave::start(snapshotter, kAt10, []() -> std::string {
    ::raise(SIGKILL);
    return "never";
  });
  BOOST_REQUIRE(child.is_ok());
  const pid_t pid = child->pid();
  auto outcome = child->wait();
  BOOST_TEST(!outcome.status.is_ok());
  BOOST_TEST(outcome.status.message().find("killed by signal 9") != std::string::npos, outcome.status.message());
  BOOST_TEST(reaped(pid));
  BOOST_TEST(!fs.exists(scratch / snap::snapshot_name(2, 10)));
}

BOOST_AUTO_TEST_CASE(wait__a_child_that_runs_out_of_memory_reports_it) {
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  snap::Snapshotter snapshotter(fs, scratch.path());
  auto child = ForkedSave::start(snapshotter, kAt10, []() -> std::string { throw std::bad_alloc(); });
  BOOST_REQUIRE(child.is_ok());
  auto outcome = child->wait();
  BOOST_TEST((outcome.status.code() == StatusCode::kIoError));
  BOOST_TEST(outcome.status.message().find("snapshot child") != std::string::npos, outcome.status.message());
}

BOOST_AUTO_TEST_CASE(capture__snap_before_save_fails_the_capture_without_forking) {
  FailpointsCleared cleared;
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  auto log = open_log(fs, scratch.path(), SnapshotCapture::kForked);
  append(*log, 1, 30);
  failpoint::configure(*failpoint::parse("snap_before_save=error"));
  bool serialized = false;
  auto status = log->capture_snapshot(30, kConf, [&] {
    serialized = true;
    return std::string("state");
  });
  BOOST_TEST(!status.is_ok());
  BOOST_TEST(!serialized);
  BOOST_TEST(!log->snapshot_in_flight());
}

BOOST_AUTO_TEST_CASE(capture__snap_after_save_fires_in_the_parent_once_the_child_is_done) {
  FailpointsCleared cleared;
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  auto log = open_log(fs, scratch.path(), SnapshotCapture::kForked);
  append(*log, 1, 30);
  failpoint::configure(*failpoint::parse("snap_after_save=error"));
  BOOST_REQUIRE(log->capture_snapshot(30, kConf, [] { return std::string("state"); }).is_ok());
  auto outcome = log->wait_and_finish_snapshot(5);
  BOOST_TEST(!outcome.is_ok());
  BOOST_TEST(outcome.status().message().find("snap_after_save") != std::string::npos);
  // As with Snapshotter::save(): the file is durable, only the marker is never written.
  BOOST_TEST(fs.exists(snap_dir(scratch.path()) + "/" + snap::snapshot_name(2, 30)));
}

BOOST_AUTO_TEST_CASE(capture__without_a_child_falls_back_to_the_inline_capture) {
  // No descriptor left for the report pipe (the limit lowered under the ones in use): no child
  // can start, as when fork() fails. The in-memory file system needs no descriptor to write.
  MemFileSystem mem;
  auto log = open_log(mem, "/data", SnapshotCapture::kForked);
  append(*log, 1, 30);
  rlimit saved{};
  BOOST_REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  rlimit none = saved;
  none.rlim_cur = 3;
  BOOST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &none) == 0);
  bool serialized_here = false;
  const Status captured = log->capture_snapshot(30, kConf, [&] {
    serialized_here = true;  // a child's write to this variable would not be seen here
    return std::string("state at 30");
  });
  BOOST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);
  BOOST_REQUIRE_MESSAGE(captured.is_ok(), captured.to_string());
  BOOST_TEST(serialized_here);
  auto outcome = log->wait_and_finish_snapshot(5);
  BOOST_REQUIRE(outcome.is_ok());
  BOOST_TEST((*outcome == SnapshotOutcome::kRecorded));
  BOOST_TEST(log->recorded_snapshot_bytes() == std::string("state at 30").size());
}

BOOST_AUTO_TEST_CASE(stop__while_a_child_writes_waits_for_it_and_leaves_no_child_and_no_temp_file) {
  coord::test::ScratchDir scratch;
  FifoGatedFileSystem fs(scratch.path());
  snap::Snapshotter snapshotter(fs, scratch / "snap");
  test::CallCounter written;
  SnapshotWriter writer(snapshotter, [&] { written(); });
  auto child = ForkedSave::start(snapshotter, kAt10, [] { return std::string(100000, 's'); });
  BOOST_REQUIRE(child.is_ok());
  const pid_t pid = child->pid();
  writer.submit_forked(kAt10, std::move(*child));
  fs.wait_until_held();  // the child is mid-write: its temp file is there, not yet renamed
  BOOST_TEST(temp_files(scratch / "snap") == 1u);
  std::thread release([&] { fs.open_gate(); });
  writer.stop();
  release.join();
  BOOST_TEST(reaped(pid));
  BOOST_TEST(temp_files(scratch / "snap") == 0u);
  BOOST_TEST(fs.exists(scratch / "snap" + "/" + snap::snapshot_name(2, 10)));  // finished, not cut
  BOOST_TEST(written.calls() == 1);
}

// A graceful stop while a child writes at its pace: at 1 KiB/s the 3 MiB would take 50 minutes.
// The child keeps the breaker's read end and closes its copy of the write end, so the parent's
// release reaches it: it finishes the file at the disk's speed and is reaped.
BOOST_AUTO_TEST_CASE(stop__hurries_a_paced_child_which_finishes_its_file) {
  coord::test::ScratchDir scratch;
  PosixFileSystem fs;
  snap::Snapshotter snapshotter(fs, scratch / "snap", {}, snap::SavePacing{1024, nullptr});
  test::CallCounter written;
  SnapshotWriter writer(snapshotter, [&] { written(); });
  auto breaker = snap::PaceBreaker::create();
  BOOST_REQUIRE(breaker.is_ok());
  auto shared = std::make_shared<snap::PaceBreaker>(std::move(*breaker));
  auto child = ForkedSave::start(snapshotter, kAt10, [] { return std::string(3u << 20, 'h'); }, shared.get());
  BOOST_REQUIRE(child.is_ok());
  const pid_t pid = child->pid();
  writer.submit_forked(kAt10, std::move(*child), shared);
  writer.stop();
  BOOST_TEST(reaped(pid));
  BOOST_TEST(written.calls() == 1);
  BOOST_TEST(temp_files(scratch / "snap") == 0u);
  auto loaded = snapshotter.load();
  BOOST_REQUIRE(loaded.is_ok());
  BOOST_TEST(loaded->data == std::string(3u << 20, 'h'));
}

BOOST_AUTO_TEST_CASE(destructor__of_a_child_not_waited_for_kills_it_and_removes_its_temp_file) {
  coord::test::ScratchDir scratch;
  FifoGatedFileSystem fs(scratch.path());
  snap::Snapshotter snapshotter(fs, scratch / "snap");
  pid_t pid = 0;
  {
    auto child = ForkedSave::start(snapshotter, kAt10, [] { return std::string(100000, 's'); });
    BOOST_REQUIRE(child.is_ok());
    pid = child->pid();
    fs.wait_until_held();
    BOOST_TEST(temp_files(scratch / "snap") == 1u);
  }
  BOOST_TEST(reaped(pid));
  BOOST_TEST(temp_files(scratch / "snap") == 0u);
  BOOST_TEST(!fs.exists(scratch / "snap" + "/" + snap::snapshot_name(2, 10)));
}

// Fault: the member's process is killed with SIGKILL while its child writes a snapshot (a
// stand-in process forked here plays the member). Must hold: the child ends at once with it —
// no orphan goes on holding the dead process's memory image, or renames a temp file that a
// restarted member writes under the same name — and no snapshot file appears.
BOOST_AUTO_TEST_CASE(parent_killed__the_child_ends_with_it) {
  coord::test::ScratchDir scratch;
  FifoGatedFileSystem fs(scratch.path());
  snap::Snapshotter snapshotter(fs, scratch / "snap");
  // The orphan is given to this process (not to init), which can then reap it and see how it ended.
  BOOST_REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  struct Restored {
    pid_t member = -1;
    ~Restored() {
      if (member > 0 && ::kill(member, SIGKILL) == 0) ::waitpid(member, nullptr, 0);
      ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    }
  } restored;
  int told[2];
  BOOST_REQUIRE(::pipe2(told, O_CLOEXEC) == 0);
  restored.member = ::fork();
  BOOST_REQUIRE(restored.member >= 0);
  if (restored.member == 0) {
    // The member: starts a save, tells the test its child's pid and waits to be killed.
    ::close(told[0]);
    auto child = ForkedSave::start(snapshotter, kAt10, [] { return std::string(100000, 's'); });
    const pid_t pid = child.is_ok() ? child->pid() : -1;
    static_cast<void>(::write(told[1], &pid, sizeof pid));
    while (true) ::pause();
  }
  ::close(told[1]);
  pid_t child = -1;
  const bool heard = ::read(told[0], &child, sizeof child) == static_cast<ssize_t>(sizeof child);
  ::close(told[0]);
  BOOST_REQUIRE(heard && child > 0);
  fs.wait_until_held();  // the child has written and synced its temp file; its rename waits
  BOOST_REQUIRE(::kill(restored.member, SIGKILL) == 0);
  BOOST_REQUIRE(::waitpid(restored.member, nullptr, 0) == restored.member);
  restored.member = -1;
  int status = 0;
  const bool ended =
      coord::test::eventually([&] { return ::waitpid(child, &status, WNOHANG) == child; }, std::chrono::seconds(10));
  if (!ended) {  // never leave it behind: let it finish, then reap it
    fs.open_gate();
    ::waitpid(child, &status, 0);
  }
  BOOST_TEST(ended, "the child outlived its parent");
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGIO));
  BOOST_TEST(!fs.exists(scratch / "snap" + "/" + snap::snapshot_name(2, 10)));
}

BOOST_AUTO_TEST_CASE(start__the_child_holds_none_of_the_parents_descriptors) {
  // A descriptor of the parent (a listening socket, the data dir's lock): the child must not
  // keep it open, or a restarted member could not take it while the child still writes.
  coord::test::ScratchDir scratch;
  FifoGatedFileSystem fs(scratch.path());
  snap::Snapshotter snapshotter(fs, scratch / "snap");
  const int parents = ::open(scratch.path().c_str(), O_RDONLY | O_DIRECTORY);  // no O_CLOEXEC: fork keeps it
  BOOST_REQUIRE(parents >= 0);
  auto breaker = snap::PaceBreaker::create();
  BOOST_REQUIRE(breaker.is_ok());
  auto child = ForkedSave::start(snapshotter, kAt10, [] { return std::string("s"); }, &*breaker);
  BOOST_REQUIRE(child.is_ok());
  fs.wait_until_held();
  const std::string fd_dir = "/proc/" + std::to_string(child->pid()) + "/fd";
  std::size_t open_fds = 0;
  bool holds_parents = false;
  for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
    ++open_fds;
    if (e.path().filename() == std::to_string(parents)) holds_parents = true;
  }
  fs.open_gate();
  BOOST_TEST(child->wait().status.is_ok());
  ::close(parents);
  BOOST_TEST(!holds_parents);
  BOOST_TEST(open_fds <= 5u);  // stdin, stdout, stderr, the report pipe, the breaker's read end
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace coord::node
