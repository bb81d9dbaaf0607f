#include "server/http/metrics_process.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace coord::http {
namespace {

double rlimit_soft(int resource) {
  rlimit r{};
  if (getrlimit(resource, &r) != 0) return 0;
  return static_cast<double>(r.rlim_cur);  // RLIM_INFINITY is 2^64 - 1, as Go reports it
}

// Entries of /proc/self/fd less "." and "..". The descriptor the listing itself uses is among
// them, as in the Go collector's and etcd's counts, which list the directory the same way.
std::optional<double> count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
  }
  closedir(dir);
  return n;
}

// The boot time (btime) of /proc/stat, seconds since the epoch.
std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessFigures> read_process_figures() {
  std::ifstream in("/proc/self/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string f[22];  // fields 3..24 of proc(5)
  for (auto& field : f)
    if (!(fields >> field)) return std::nullopt;
  const auto btime = boot_time();
  const auto fds = count_open_fds();
  if (!btime || !fds) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  ProcessFigures p;
  p.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime, stime
  p.start_time_seconds = *btime + std::stod(f[19]) / ticks;       // starttime
  p.virtual_bytes = std::stod(f[20]);                             // vsize
  p.resident_bytes = std::stod(f[21]) * page;                     // rss, in pages
  p.virtual_max_bytes = rlimit_soft(RLIMIT_AS);
  p.open_fds = *fds;
  p.max_fds = rlimit_soft(RLIMIT_NOFILE);
  return p;
}

void append_os_fd_metrics(MetricsText& page, const ProcessFigures& p) {
  page.single("os_fd_limit", "The file descriptor limit.", "gauge", p.max_fds);
  page.single("os_fd_used", "The number of used file descriptors.", "gauge", p.open_fds);
}

void append_process_metrics(MetricsText& page, const ProcessFigures& p) {
  page.single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter",
              p.cpu_seconds);
  page.single("process_max_fds", "Maximum number of open file descriptors.", "gauge", p.max_fds);
  page.single("process_open_fds", "Number of open file descriptors.", "gauge", p.open_fds);
  page.single("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", p.resident_bytes);
  page.single("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
              p.start_time_seconds);
  page.single("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", p.virtual_bytes);
  page.single("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", "gauge",
              p.virtual_max_bytes);
}

}  // namespace coord::http
