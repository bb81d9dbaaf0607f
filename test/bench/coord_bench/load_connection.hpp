// LoadConnection: one keep-alive HTTP/1.1 connection that keeps up to `in_flight` requests
// outstanding (pipelined when > 1), timing each from the moment it is queued to the end of its
// response. Runs on its own strand; shared state with the run is only RunControl's atomics.
// After the run's stop flag is set it sends nothing more, drains what is in flight and closes.
// To an https endpoint each connection first does a TLS handshake (the server is not verified).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "test/bench/coord_bench/bench_options.hpp"
#include "test/bench/coord_bench/latency_recorder.hpp"
#include "test/bench/coord_bench/request_source.hpp"

namespace coord::bench {

using BenchClock = std::chrono::steady_clock;

// Shared by every connection of one phase. Safe for concurrent use.
struct RunControl {
  std::atomic<bool> stopping{false};  // set by the main thread when the duration is over
  std::atomic<int> active{0};         // connections not yet finished
};

class LoadConnection : public std::enable_shared_from_this<LoadConnection> {
 public:
  LoadConnection(boost::asio::io_context& ioc, const Endpoint& endpoint,
                 boost::asio::ip::tcp::endpoint address, RequestSource& source, RunControl& control,
                 int in_flight);

  // Connects and starts sending; counts itself in control.active until it finishes.
  void start();
  // Valid once the io_context has stopped.
  LatencyRecorder& recorder() { return recorder_; }

 private:
  void do_connect();
  void on_connect(boost::beast::error_code ec);
  void on_connected();
  void fill();
  void do_write();
  void on_write(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec);
  void fail(boost::beast::error_code ec, const char* where);
  void finish();

  // Constant after construction.
  const Endpoint endpoint_;
  const boost::asio::ip::tcp::endpoint address_;
  RequestSource& source_;
  RunControl& control_;
  const int in_flight_;

  // Touched only on the strand.
  boost::beast::tcp_stream stream_;
  // The TLS layer of the current connection (https only), over stream_.
  std::shared_ptr<boost::asio::ssl::stream<boost::beast::tcp_stream&>> tls_;
  boost::asio::steady_timer retry_timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  std::deque<BenchClock::time_point> sent_;  // queue times of the requests awaiting answers
  std::string pending_;                      // requests queued while a write is in progress
  std::string writing_;                      // the bytes of the write in progress
  bool writing_now_ = false;
  bool reading_now_ = false;
  bool connected_ = false;
  bool exhausted_ = false;                   // the source has no more requests
  bool finished_ = false;
  LatencyRecorder recorder_;
};

}  // namespace coord::bench
