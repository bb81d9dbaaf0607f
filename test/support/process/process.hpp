// coord::test::Process — one child process started by a test (fork/exec), with its output in a
// log file. The destructor kills and reaps it, so a test never leaves a process behind, even when
// it fails half-way. Also TempDir (a private scratch directory removed on destruction) and
// free_port().
//
// Thread-safety: a Process or TempDir belongs to one thread at a time (the test's). free_port()
// is safe to call from any thread.
#pragma once

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace coord::test {

// A directory made with mkdtemp under /tmp, removed recursively by the destructor. Setting the
// environment variable COORD_KEEP_TMP keeps it (and prints its path) for post-mortems.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "coord-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A loopback TCP port that was free a moment ago: binds 127.0.0.1:0 and reads the port back.
// Ports already handed out by this process are never returned twice, which avoids most clashes
// between members started in quick succession.
int free_port();

class Process {
 public:
  // Starts argv[0] (a path, not searched in PATH) with argv, the current environment plus
  // `env` ("NAME=value" entries, overriding), stdout and stderr appended to `log_path`.
  // Throws std::runtime_error when fork or exec fails. The child gets SIGKILL if the thread
  // that started it dies (PR_SET_PDEATHSIG), so a crashed test leaves nothing behind.
  Process(std::vector<std::string> argv, std::string log_path, std::vector<std::string> env = {});
  // Kills (SIGKILL) and reaps the child if it still runs. Never throws.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // True until the child has been reaped (polls waitpid without blocking).
  bool running();
  // Sends a signal (SIGKILL by default). No effect once the child has been reaped.
  void kill(int sig = SIGKILL);
  // SIGTERM, wait up to `grace` for the exit, then SIGKILL and reap. Returns the wait status.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGSTOP / SIGCONT: freeze and thaw the child (a "hung" member). stop() returns once every
  // thread of the child is stopped (or after 5 s): the signal is delivered asynchronously, and
  // until then the child may still answer a request the caller sends next.
  void stop();
  void cont() { kill(SIGCONT); }
  // Waits up to `timeout` for the child to exit; the waitpid status, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // The last `max_bytes` of the log file (for failure messages).
  std::string log_tail(std::size_t max_bytes = 4000) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;  // set once reaped
};

}  // namespace coord::test
