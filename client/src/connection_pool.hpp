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
#include <string>
#include <vector>

#include <boost/beast/core/tcp_stream.hpp>

namespace coord::detail {

class ConnectionPool {
 public:
  using Stream = boost::beast::tcp_stream;
  using Clock = std::chrono::steady_clock;

  ConnectionPool(std::size_t max_idle, std::size_t max_idle_long_poll, std::chrono::milliseconds idle_timeout);

  // An idle connection to `endpoint` that still looks alive, if any.
  std::optional<Stream> take(const std::string& endpoint, bool long_poll);
  // Returns a connection after a complete keep-alive exchange. Dropped when the list is full or
  // the pool is closed.
  void put(const std::string& endpoint, bool long_poll, Stream stream);
  // Closes every idle connection and refuses new ones.
  void close();

 private:
  struct Idle {
    Stream stream;
    Clock::time_point since;
  };
  static bool looks_alive(Stream& stream);

  const std::size_t max_idle_[2];
  const std::chrono::milliseconds idle_timeout_;
  std::mutex mu_;
  std::map<std::string, std::vector<Idle>> idle_[2];  // guarded by mu_; [0] calls, [1] long polls
  bool closed_ = false;                               // guarded by mu_
};

}  // namespace coord::detail
