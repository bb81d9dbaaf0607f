// Internal: keep-alive pool of idle HTTP connections, one list per (endpoint, kind). Calls and
// long polls (watches) use separate lists with their own caps, so a flood of waiting watches can
// never take the connections that ordinary calls need. A connection is checked before reuse:
// one the server has closed (readable at EOF) or idle too long is dropped.
//
// Thread-safety: safe for concurrent use. Connections are handed out by value (moved), so a
// connection is owned by exactly one exchange or by the pool.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <poll.h>
#include <string>
#include <vector>

#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace coord::detail {

template <class Stream>  // beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>
class ConnectionPool {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionPool(std::size_t max_idle, std::size_t max_idle_long_poll, std::chrono::milliseconds idle_timeout)
      : max_idle_{max_idle, max_idle_long_poll}, idle_timeout_(idle_timeout) {}

  // An idle connection to `endpoint` that still looks alive, if any.
  std::optional<Stream> take(const std::string& endpoint, bool long_poll) {
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
    for (auto& d : dropped) close(d.stream);
    return out;
  }

  // Returns a connection after a complete keep-alive exchange. Dropped when the list is full or
  // the pool is closed.
  void put(const std::string& endpoint, bool long_poll, Stream stream) {
    std::unique_lock lock(mu_);
    auto& list = idle_[long_poll][endpoint];
    if (closed_ || list.size() >= max_idle_[long_poll]) {
      lock.unlock();
      close(stream);
      return;
    }
    list.push_back(Idle{std::move(stream), Clock::now()});
  }

  // Closes every idle connection and refuses new ones.
  void close() {
    std::map<std::string, std::vector<Idle>> drop[2];
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      drop[0].swap(idle_[0]);
      drop[1].swap(idle_[1]);
    }
    for (auto& m : drop) {
      for (auto& [endpoint, list] : m) {
        for (auto& idle : list) close(idle.stream);
      }
    }
  }

 private:
  struct Idle {
    Stream stream;
    Clock::time_point since;
  };

  static void close(Stream& stream) {
    boost::system::error_code ec;
    boost::beast::get_lowest_layer(stream).socket().close(ec);
  }

  // An idle HTTP connection has nothing to read; if it is readable the server closed it (EOF)
  // or sent garbage. Either way a request on it would fail after possibly being sent.
  static bool looks_alive(Stream& stream) {
    auto& socket = boost::beast::get_lowest_layer(stream).socket();
    if (!socket.is_open()) return false;
    pollfd p{socket.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  const std::size_t max_idle_[2];
  const std::chrono::milliseconds idle_timeout_;
  std::mutex mu_;
  std::map<std::string, std::vector<Idle>> idle_[2];  // guarded by mu_; [0] calls, [1] long polls
  bool closed_ = false;                               // guarded by mu_
};

}  // namespace coord::detail
