// SessionUnderTest: one server Session on an io thread of its own, accepted from a loopback
// listener, and the raw client connection to it. The session tests (test/unit/http/session_*)
// drive the real Session over a real socket in the test process. The handler must outlive it.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "server/http/session.hpp"
#include "test/support/net/raw_connection.hpp"

namespace coord::test {

class SessionUnderTest {
 public:
  // `receive_buffer`: the client socket's SO_RCVBUF (0: the system's), for a client that reads slowly.
  SessionUnderTest(http::RequestHandler& handler, http::SessionLimits limits, int receive_buffer = 0)
      : acceptor_(ioc_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        client_("127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()), receive_buffer) {
    session_ = std::make_shared<http::Session>(acceptor_.accept(strand_), handler, std::move(limits));
    session_->start();
    io_thread_ = std::thread([this] { ioc_.run(); });
  }
  ~SessionUnderTest() { stop(); }
  SessionUnderTest(const SessionUnderTest&) = delete;
  SessionUnderTest& operator=(const SessionUnderTest&) = delete;

  // Stops and joins the io thread (idempotent): after it the handler's state may be read.
  void stop() {
    if (!io_thread_.joinable()) return;
    work_.reset();
    ioc_.stop();
    io_thread_.join();
  }

  void send(const std::string& bytes) { BOOST_REQUIRE(client_.send(bytes)); }
  // As send(), without an assertion: for the io thread, while the test's thread leaves the
  // connection alone (RawConnection is for one thread at a time).
  bool send_from_io_thread(const std::string& bytes) { return client_.send(bytes); }
  // Reads until `needle` arrived `count` times, the server closed or 5 s passed.
  std::string read_until(const std::string& needle, int count = 1) { return client_.read_until(needle, count); }
  // One whole answer (head and Content-Length body), within 10 s.
  std::string read_answer() { return client_.read_answer(std::chrono::seconds(10)); }
  // True when the server closes the connection within `timeout` (anything it sends is dropped).
  bool closed_within(std::chrono::milliseconds timeout) {
    client_.read_all(timeout);
    return client_.closed();
  }
  // Session::held_buffer_bytes(), read on the session's strand (after what the strand is doing).
  std::size_t held_buffer_bytes() {
    std::promise<std::size_t> held;
    boost::asio::post(strand_, [&] { held.set_value(session_->held_buffer_bytes()); });
    return held.get_future().get();
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(ioc_);
  boost::asio::strand<boost::asio::io_context::executor_type> strand_ = boost::asio::make_strand(ioc_);  // the session's
  boost::asio::ip::tcp::acceptor acceptor_;
  RawConnection client_;
  std::thread io_thread_;
  std::shared_ptr<http::Session> session_;  // destroyed after the io thread is joined (stop())
};

}  // namespace coord::test
