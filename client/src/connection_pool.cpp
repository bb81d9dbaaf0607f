#include "client/src/connection_pool.hpp"

#include <poll.h>

namespace coord::detail {

ConnectionPool::ConnectionPool(std::size_t max_idle, std::size_t max_idle_long_poll,
                               std::chrono::milliseconds idle_timeout)
    : max_idle_{max_idle, max_idle_long_poll}, idle_timeout_(idle_timeout) {}

bool ConnectionPool::looks_alive(Stream& stream) {
  // An idle HTTP connection has nothing to read; if it is readable the server closed it (EOF)
  // or sent garbage. Either way a request on it would fail after possibly being sent.
  auto& socket = stream.socket();
  if (!socket.is_open()) return false;
  pollfd p{socket.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

std::optional<ConnectionPool::Stream> ConnectionPool::take(const std::string& endpoint, bool long_poll) {
  std::vector<Idle> dropped;  // closed outside the lock
  std::optional<Stream> out;
  {
    std::lock_guard lock(mu_);
    auto it = idle_[long_poll].find(endpoint);
    if (it == idle_[long_poll].end()) return std::nullopt;
    auto& list = it->second;
    auto now = Clock::now();
    while (!list.empty()) {
      Idle idle = std::move(list.back());
      list.pop_back();
      if (now - idle.since < idle_timeout_ && looks_alive(idle.stream)) {
        out.emplace(std::move(idle.stream));
        break;
      }
      dropped.push_back(std::move(idle));
    }
  }
  for (auto& d : dropped) {
    boost::system::error_code ec;
    d.stream.socket().close(ec);
  }
  return out;
}

void ConnectionPool::put(const std::string& endpoint, bool long_poll, Stream stream) {
  std::unique_lock lock(mu_);
  auto& list = idle_[long_poll][endpoint];
  if (closed_ || list.size() >= max_idle_[long_poll]) {
    lock.unlock();
    boost::system::error_code ec;
    stream.socket().close(ec);
    return;
  }
  list.push_back(Idle{std::move(stream), Clock::now()});
}

void ConnectionPool::close() {
  std::map<std::string, std::vector<Idle>> drop[2];
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    drop[0].swap(idle_[0]);
    drop[1].swap(idle_[1]);
  }
  for (auto& m : drop) {
    for (auto& [endpoint, list] : m) {
      for (auto& idle : list) {
        boost::system::error_code ec;
        idle.stream.socket().close(ec);
      }
    }
  }
}

}  // namespace coord::detail
