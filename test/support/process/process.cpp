// Why PR_SET_PDEATHSIG and a CLOEXEC pipe: the first makes a crashed test take its servers with
// it; the second lets the parent learn that exec failed (errno travels through the pipe) instead
// of mistaking a dead child for a slow server.
#include "test/support/process/process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <netinet/in.h>
#include <set>
#include <chrono>
#include <random>
#include <stdexcept>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace coord::test {

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (std::getenv("COORD_KEEP_TMP") != nullptr) {
    std::cerr << "keeping " << path_ << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int free_port() {
  // Ports are taken from below Linux's ephemeral range (32768-60999): a port the kernel hands
  // out for bind(0) is also one it may give an outgoing connection's local end before the
  // server binds it, which fails that start with "address already in use".
  //
  // Test programs run side by side (test/run_all.sh runs two at a time), and a port stays ours
  // after its member stops (a restart binds it again), so each port handed out is also claimed
  // across processes: an flock on /tmp/coord-test-ports/PORT, held by a descriptor this process
  // keeps open until it exits (the kernel drops the lock then, however it ends).
  constexpr int kLow = 20000, kHigh = 32000;
  static std::mutex mu;
  static std::set<int> handed_out;
  static std::vector<int> claims;  // the lock descriptors, open for the life of the process
  static std::mt19937 rng(static_cast<unsigned>(::getpid()) ^
                          static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::lock_guard lock(mu);
  const std::string claim_dir = "/tmp/coord-test-ports";
  std::error_code ignored;
  std::filesystem::create_directories(claim_dir, ignored);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = kLow + static_cast<int>(rng() % (kHigh - kLow));
    if (handed_out.count(port)) continue;
    const std::string claim_path = claim_dir + "/" + std::to_string(port);
    const int claim = ::open(claim_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (claim < 0) throw std::runtime_error("cannot open " + claim_path + ": " + std::strerror(errno));
    if (::flock(claim, LOCK_EX | LOCK_NB) != 0) {  // another test program holds it
      ::close(claim);
      continue;
    }
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (!free) {
      ::close(claim);
      continue;
    }
    handed_out.insert(port);
    claims.push_back(claim);
    return port;
  }
  throw std::runtime_error("no free loopback port");
}

namespace {

// Everything the child needs, prepared before fork(): after a fork in a multi-threaded process
// (client threads are often running) the child may only call async-signal-safe functions, so no
// allocation happens there.
struct ExecPlan {
  std::vector<std::string> env_storage;
  std::vector<char*> argv, envp;
};

ExecPlan make_plan(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  ExecPlan plan;
  for (const auto& e : env) plan.env_storage.push_back(e);
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& extra : env) overridden |= extra.substr(0, extra.find('=')) == name;
    if (!overridden) plan.env_storage.push_back(std::move(entry));
  }
  for (const auto& a : args) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  for (auto& e : plan.env_storage) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  return plan;
}

[[noreturn]] void child_exec(const ExecPlan& plan, const char* log_path, int report_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int log = ::open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log >= 0) {
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::close(log);
  }
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  // Nothing else of the test goes to the child: an inherited socket (a relay's end of a
  // connection, say) would keep that connection open after the test closed it.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    const long max_fd = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
    for (int fd = 3; fd < max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  int err = errno;
  [[maybe_unused]] auto n = ::write(report_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

Process::Process(std::vector<std::string> argv, std::string log_path, std::vector<std::string> env)
    : log_path_(std::move(log_path)) {
  if (argv.empty()) throw std::invalid_argument("Process: empty argv");
  ExecPlan plan = make_plan(argv, env);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  }
  if (pid_ == 0) child_exec(plan, log_path_.c_str(), pipe_fds[1]);
  ::close(pipe_fds[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == sizeof child_errno) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = status;
    throw std::runtime_error("exec " + argv[0] + " failed: " + std::strerror(child_errno));
  }
}

Process::~Process() {
  if (status_) return;
  ::kill(pid_, SIGKILL);
  ::kill(pid_, SIGCONT);  // a stopped child still dies on SIGKILL; this is belt and braces
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
}

bool Process::running() {
  if (status_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) status_ = status;
  return !status_;
}

void Process::kill(int sig) {
  if (running()) ::kill(pid_, sig);
}

namespace {

// True when every thread of `pid` is in the stopped state ('T' in /proc/PID/task/TID/stat).
bool all_threads_stopped(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool all = true, any = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name + "/stat");
    std::string line;
    std::getline(in, line);
    const auto paren = line.rfind(')');  // the name may hold spaces and parentheses
    if (paren == std::string::npos || paren + 2 >= line.size()) continue;  // the thread just ended
    any = true;
    all = all && line[paren + 2] == 'T';
  }
  ::closedir(d);
  return any && all;
}

}  // namespace

void Process::stop() {
  kill(SIGSTOP);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!status_ && !all_threads_stopped(pid_) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Invariant: the loop ends at the deadline; each round is one non-blocking waitpid.
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

int Process::terminate(std::chrono::milliseconds grace) {
  kill(SIGCONT);
  kill(SIGTERM);
  if (auto status = wait_exit(grace)) return *status;
  kill(SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  return status;
}

std::string Process::log_tail(std::size_t max_bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  auto start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

}  // namespace coord::test
