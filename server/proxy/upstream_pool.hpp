// UpstreamPool: idle keep-alive connections from the proxy to members, by member client URL,
// so a forwarded request usually skips the TCP handshake. A connection is taken out for one
// exchange and given back only when that exchange ended cleanly with keep-alive. Each
// EventLoops::Loop has its own pool, holding only connections on that loop's io_context.
//
// Thread-safety: safe for concurrent use (one mutex around the idle lists).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace coord::proxy {

// One connection to a member, on an io_context that one thread runs (an EventLoops::Loop): the
// exchange's handlers and a cancel from the client's session all run on that thread, so the
// connection needs no strand.
struct UpstreamConnection {
  explicit UpstreamConnection(boost::asio::io_context& ioc) : stream(ioc.get_executor()) {}
  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer;  // bytes read past an answer (none when given back)
};

class UpstreamPool {
 public:
  // At most this many idle connections are kept per member (etcd's proxy keeps 128).
  static constexpr std::size_t kMaxIdlePerMember = 128;

  // An idle connection to `url` that the member has not closed, or null.
  std::unique_ptr<UpstreamConnection> take(const std::string& url);
  // Keeps `connection` for the next request to `url` (closes it when the list is full).
  void give_back(const std::string& url, std::unique_ptr<UpstreamConnection> connection);
  // Closes every idle connection.
  void clear();

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;  // guarded by mu_
};

}  // namespace coord::proxy
