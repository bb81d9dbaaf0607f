#include "server/http/connection_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace coord::http {

std::size_t ConnectionLimit::reserve_for(std::size_t open_files_limit) {
  return std::clamp<std::size_t>(open_files_limit / 8, 64, 1024);
}

std::size_t ConnectionLimit::max_connections_for(std::size_t open_files_limit) {
  const std::size_t reserve = reserve_for(open_files_limit);
  // A limit below the reserve still lets a few clients in: the member is useless without them.
  return open_files_limit > reserve + 8 ? open_files_limit - reserve : 8;
}

std::size_t ConnectionLimit::max_peer_connections_for(std::size_t open_files_limit) {
  return reserve_for(open_files_limit) / 2;
}

std::shared_ptr<void> ConnectionLimit::try_acquire() {
  std::size_t held = held_.load(std::memory_order_relaxed);
  do {
    if (held >= max_) return nullptr;
  } while (!held_.compare_exchange_weak(held, held + 1, std::memory_order_relaxed));
  // The slot keeps its limit alive (a session may outlive the listener that accepted it); its
  // pointer only makes it non-null and is never used.
  return std::shared_ptr<void>(this, [self = shared_from_this()](void*) {
    self->held_.fetch_sub(1, std::memory_order_relaxed);
  });
}

std::size_t raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  // RLIM_INFINITY (or a huge hard limit) is capped: the figure only sizes the connection limit.
  return static_cast<std::size_t>(std::min<rlim_t>(limit.rlim_cur, rlim_t{1} << 24));
}

}  // namespace coord::http
