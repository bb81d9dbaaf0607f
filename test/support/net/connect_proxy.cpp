#include "test/support/net/connect_proxy.hpp"

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <thread>

namespace coord::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// One client connection: its request head, then (for an accepted CONNECT) the tunnel, relayed
// both ways until either side closes. Keeps itself alive through its handlers.
class Tunnel : public std::enable_shared_from_this<Tunnel> {
 public:
  Tunnel(tcp::socket client, std::atomic<std::size_t>& tunnels, std::atomic<std::size_t>& refused)
      : client_(std::move(client)), target_(client_.get_executor()), tunnels_(tunnels), refused_(refused) {}

  void start() {
    net::async_read_until(client_, net::dynamic_buffer(head_, 16 * 1024), "\r\n\r\n",
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) { self->on_head(ec, n); });
  }

 private:
  void on_head(boost::system::error_code ec, std::size_t n) {
    if (ec) return close();
    // "CONNECT 127.0.0.1:PORT HTTP/1.1"
    const std::string line = head_.substr(0, head_.find("\r\n"));
    const std::string prefix = "CONNECT 127.0.0.1:";
    const auto space = line.find(' ', prefix.size());
    if (line.rfind(prefix, 0) != 0 || space == std::string::npos) return refuse();
    const std::string port = line.substr(prefix.size(), space - prefix.size());
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return refuse();
    head_.erase(0, n);  // what the client sent past the head goes to the target
    target_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(port))),
                          [self = shared_from_this()](boost::system::error_code e) {
                            if (e) return self->close();
                            ++self->tunnels_;
                            self->answer_ = "HTTP/1.1 200 Connection established\r\n\r\n";
                            net::async_write(self->client_, net::buffer(self->answer_),
                                             [self](boost::system::error_code e2, std::size_t) {
                                               if (e2) return self->close();
                                               if (!self->head_.empty())
                                                 return net::async_write(self->target_, net::buffer(self->head_),
                                                                         [self](boost::system::error_code e3, std::size_t) {
                                                                           if (e3) return self->close();
                                                                           self->relay(self->client_, self->target_, self->up_);
                                                                           self->relay(self->target_, self->client_, self->down_);
                                                                         });
                                               self->relay(self->client_, self->target_, self->up_);
                                               self->relay(self->target_, self->client_, self->down_);
                                             });
                          });
  }

  void refuse() {
    ++refused_;
    answer_ = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    net::async_write(client_, net::buffer(answer_), [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close(); });
  }

  void relay(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buffer) {
    from.async_read_some(net::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer](boost::system::error_code ec, std::size_t n) {
      if (ec) return self->close();
      net::async_write(to, net::buffer(buffer.data(), n), [self, &from, &to, &buffer](boost::system::error_code e, std::size_t) {
        if (e) return self->close();
        self->relay(from, to, buffer);
      });
    });
  }

  void close() {
    boost::system::error_code ignored;
    client_.close(ignored);
    target_.close(ignored);
  }

  tcp::socket client_;
  tcp::socket target_;
  std::atomic<std::size_t>& tunnels_;
  std::atomic<std::size_t>& refused_;
  std::string head_;
  std::string answer_;
  std::array<char, 16384> up_{}, down_{};
};

}  // namespace

class ConnectProxy::Impl {
 public:
  Impl() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Impl() {
    ioc_.stop();
    thread_.join();
  }

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<Tunnel>(std::move(socket), tunnels_, refused_)->start();
      accept();
    });
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<std::size_t> tunnels_{0}, refused_{0};
  std::thread thread_;
};

ConnectProxy::ConnectProxy() : impl_(std::make_unique<Impl>()) {}
ConnectProxy::~ConnectProxy() = default;

std::string ConnectProxy::address() const { return "127.0.0.1:" + std::to_string(impl_->acceptor_.local_endpoint().port()); }
std::size_t ConnectProxy::tunnels() const { return impl_->tunnels_.load(); }
std::size_t ConnectProxy::refused() const { return impl_->refused_.load(); }

}  // namespace coord::test
