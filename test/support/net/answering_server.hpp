// AnsweringServer: a TCP server on a free loopback port for tests of clients that talk to a peer
// (a proxy, a member's probe endpoint). One connection at a time on its own thread: it reads one
// request head, records it, writes `answer()` (whatever bytes the test wants, hostile ones
// included), then holds the connection until the client closes it, and counts it as served.
// Thread-safety: url(), address(), served() and last_request() from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace coord::test {

class AnsweringServer {
 public:
  explicit AnsweringServer(std::function<std::string()> answer)
      : answer_(std::move(answer)),
        acceptor_(ioc_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~AnsweringServer() {
    // A blocking accept is not woken by closing the acceptor from another thread: connect to it.
    stopping_ = true;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket wake(ioc);
    boost::system::error_code ignored;
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  AnsweringServer(const AnsweringServer&) = delete;
  AnsweringServer& operator=(const AnsweringServer&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + address(); }
  int served() const { return served_.load(); }
  std::string last_request() const {
    std::lock_guard lock(mu_);
    return request_;
  }

 private:
  void serve() {
    namespace net = boost::asio;
    while (!stopping_) {
      boost::system::error_code ec;
      net::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      std::string head;
      net::read_until(socket, net::dynamic_buffer(head), "\r\n\r\n", ec);
      if (ec) continue;
      {
        std::lock_guard lock(mu_);
        request_ = head;
      }
      net::write(socket, net::buffer(answer_()), ec);
      char byte;
      socket.read_some(net::buffer(&byte, 1), ec);  // until the client closes
      ++served_;
    }
  }

  const std::function<std::string()> answer_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  const unsigned short port_ = acceptor_.local_endpoint().port();
  std::atomic<bool> stopping_{false};
  std::atomic<int> served_{0};
  mutable std::mutex mu_;
  std::string request_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace coord::test
