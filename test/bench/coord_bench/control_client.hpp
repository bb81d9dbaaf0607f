// ControlClient: blocking one-request-at-a-time HTTP/1.1 calls on their own io_context, for the
// few set-up and trigger requests of a benchmark (the PUT a fan-out waits for, stats polls).
// Not thread-safe: one thread uses one ControlClient.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "test/bench/coord_bench/bench_options.hpp"

namespace coord::bench {

struct ControlAnswer {
  unsigned status = 0;  // 0 when the request did not get an answer
  std::string body;
  std::string error;    // transport error, if any
};

class ControlClient {
 public:
  ControlClient(const Endpoint& endpoint, boost::asio::ip::tcp::endpoint address);

  // Sends one request (body form-encoded when not empty) and waits for its answer; reconnects
  // once if the kept-alive connection was closed.
  ControlAnswer call(const std::string& method, const std::string& target, const std::string& body);

 private:
  ControlAnswer call_once(const std::string& method, const std::string& target, const std::string& body);

  const Endpoint endpoint_;
  const boost::asio::ip::tcp::endpoint address_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

// node.modifiedIndex of a v2 JSON answer; nullopt when absent.
std::optional<std::uint64_t> modified_index_of(const std::string& body);
// "watchers" of a /v2/stats/store answer; nullopt when absent.
std::optional<std::int64_t> watchers_of(const std::string& body);

}  // namespace coord::bench
