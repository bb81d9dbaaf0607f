#include "server/proxy/upstream_pool.hpp"

#include <cerrno>
#include <sys/socket.h>

namespace coord::proxy {

namespace {

// An idle connection is usable while the member has neither closed it nor sent anything on it:
// a non-blocking peek must find no data and no end of stream. This catches a member that
// restarted or timed the connection out before a request is written to a dead socket, which
// could not be retried safely.
bool still_open(UpstreamConnection& c) {
  char byte;
  const auto n = ::recv(c.stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const std::string& url) {
  std::vector<std::unique_ptr<UpstreamConnection>> dead;  // closed outside the lock
  std::unique_ptr<UpstreamConnection> out;
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(url);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (still_open(*c)) {
        out = std::move(c);
        break;
      }
      dead.push_back(std::move(c));
    }
  }
  return out;
}

void UpstreamPool::give_back(const std::string& url, std::unique_ptr<UpstreamConnection> connection) {
  std::lock_guard lock(mu_);
  auto& list = idle_[url];
  if (list.size() < kMaxIdlePerMember) list.push_back(std::move(connection));
}

void UpstreamPool::clear() {
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle;
  {
    std::lock_guard lock(mu_);
    idle.swap(idle_);
  }
}

}  // namespace coord::proxy
