// fsync-probe: the floor of a durable write on a filesystem, measured the way a WAL appends:
// pwrite of a small record at the end of what was written so far, into a preallocated file,
// then fdatasync. The file is preallocated the way coordd's WAL keeps its segments (PREALLOC
// "zeros": written with zeros and synced first, server/wal/wal.hpp) or the way etcd's are
// ("fallocate": blocks reserved but unwritten, so each fdatasync also commits the journal). Prints the p50 and p90 of that pair in microseconds (and the mean, for
// comparison with dd oflag=dsync). compare.sh uses the p50 for the sequential-PUT budget.
//
// With GAP_US the writer sleeps that long between writes, as a server does between the
// requests of a sequential client: on a virtual machine whose idle CPUs halt at once, a write
// issued after a pause costs more than one issued back to back, so the floor of a sequential
// PUT is the figure at the client's cadence.
//
//   fsync-probe DIR [COUNT=2000] [BYTES=512] [GAP_US=0] [PREALLOC=zeros|fallocate]
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fsync-probe DIR [COUNT=2000] [BYTES=512] [GAP_US=0] [PREALLOC=zeros|fallocate]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/fsync-probe.tmp";
  const int count = argc > 2 ? std::atoi(argv[2]) : 2000;
  const std::size_t bytes = argc > 3 ? static_cast<std::size_t>(std::atol(argv[3])) : 512;
  const long gap_us = argc > 4 ? std::atol(argv[4]) : 0;
  const std::string prealloc = argc > 5 ? argv[5] : "zeros";
  if (count <= 0 || bytes == 0 || gap_us < 0 || (prealloc != "zeros" && prealloc != "fallocate")) return 2;
  const timespec gap{gap_us / 1000000, (gap_us % 1000000) * 1000};
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    return 1;
  }
  // Preallocated like a WAL segment, so the writes do not grow the file.
  const off_t total = static_cast<off_t>(bytes) * count;
  bool ready = true;
  if (prealloc == "fallocate") {
    ready = ::posix_fallocate(fd, 0, total) == 0;
  } else {
    const std::string zeros(1 << 20, '\0');
    for (off_t at = 0; ready && at < total; at += static_cast<off_t>(zeros.size())) {
      const auto n = static_cast<std::size_t>(std::min<off_t>(total - at, static_cast<off_t>(zeros.size())));
      ready = ::pwrite(fd, zeros.data(), n, at) == static_cast<ssize_t>(n);
    }
  }
  if (!ready || ::fsync(fd) != 0) {
    std::perror("preallocate");
    ::close(fd);
    ::unlink(path.c_str());
    return 1;
  }
  const std::string record(bytes, 'x');
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    if (gap_us > 0) ::nanosleep(&gap, nullptr);
    const auto start = std::chrono::steady_clock::now();
    if (::pwrite(fd, record.data(), bytes, static_cast<off_t>(bytes) * i) != static_cast<ssize_t>(bytes) ||
        ::fdatasync(fd) != 0) {
      std::perror("write");
      break;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (micros.empty()) return 1;
  const double mean = std::accumulate(micros.begin(), micros.end(), 0.0) / static_cast<double>(micros.size());
  std::sort(micros.begin(), micros.end());
  std::printf("fsync_probe\tprealloc=%s\twrites=%zu\tbytes=%zu\tgap_us=%ld\tp50_us=%.0f\tp90_us=%.0f\tmean_us=%.0f\n",
              prealloc.c_str(), micros.size(), bytes, gap_us, micros[micros.size() / 2], micros[micros.size() * 9 / 10], mean);
  return 0;
}
