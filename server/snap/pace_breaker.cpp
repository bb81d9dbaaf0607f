#include "server/snap/pace_breaker.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace coord::snap {

Result<PaceBreaker> PaceBreaker::create() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::io_error(std::string("pace breaker pipe: ") + std::strerror(errno));
  return PaceBreaker(fds[0], fds[1]);
}

PaceBreaker::PaceBreaker(PaceBreaker&& other) noexcept
    : read_fd_(other.read_fd_), write_fd_(other.write_fd_.exchange(-1)) {
  other.read_fd_ = -1;
}

PaceBreaker::~PaceBreaker() {
  release();
  if (read_fd_ >= 0) ::close(read_fd_);
}

void PaceBreaker::release() {
  const int fd = write_fd_.exchange(-1);
  if (fd >= 0) ::close(fd);
}

bool PaceBreaker::wait_until(std::chrono::steady_clock::time_point deadline) const {
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd end{read_fd_, POLLIN, 0};
    // Nothing is ever written: the pipe becomes readable (end of file) only once every write
    // end is closed. A deadline already passed still looks once, so a release is never missed.
    const int n = ::poll(&end, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (n > 0) return false;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;  // cannot wait on it (EBADF, ENOMEM): stop pacing rather than spin
    if (std::chrono::steady_clock::now() >= deadline) return true;
  }
}

}  // namespace coord::snap
