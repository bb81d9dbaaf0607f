// TcpRelay: one io_context thread owns every socket and all relay state, so the fault switches
// need no locks: control calls are posted to that thread and waited for. A pump (one direction
// of one connection) reads a chunk, then forwards it unless the relay is frozen (the pump parks
// itself until thaw) or delayed (a timer first), then reads the next chunk.
//
// Ownership: the relay's handlers refer to the Impl by plain pointer, never by shared_ptr, so no
// handler queued in ioc_ keeps the Impl (and with it ioc_ itself) alive. Pumps and links live
// in their pending handlers and in parked_; stop() joins the thread, and the Impl's destructor
// destroys ioc_ last, which destroys every handler still queued and with it every pump and link.
#include "test/support/net/tcp_relay.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <future>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace coord::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint parse_target(std::string url) {
  if (auto p = url.find("://"); p != std::string::npos) url = url.substr(p + 3);
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto colon = url.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("TcpRelay: no port in " + url);
  std::string host = url.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  return tcp::endpoint(asio::ip::make_address(host), static_cast<unsigned short>(std::stoi(url.substr(colon + 1))));
}

}  // namespace

class TcpRelay::Impl {
 public:
  struct Link;

  // One direction of one connection.
  struct Pump : std::enable_shared_from_this<Pump> {
    Pump(Impl& relay, std::shared_ptr<Link> link, tcp::socket& from, tcp::socket& to, bool to_client)
        : relay(relay), link(std::move(link)), from(from), to(to), to_client(to_client), timer(relay.ioc_) {}

    void read() {
      from.async_read_some(asio::buffer(buf), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (ec) return self->relay.close(self->link);
        self->size = n;
        self->forward(false);
      });
    }

    void forward(bool delayed) {
      if (link->closed) return;
      if (relay.frozen_ || (to_client && relay.replies_frozen_)) {
        relay.parked_.push_back([self = shared_from_this(), delayed] { self->forward(delayed); });
        return;
      }
      if (!delayed && relay.delay_.count() > 0) {
        timer.expires_after(relay.delay_);
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
          if (!ec) self->forward(true);
        });
        return;
      }
      asio::async_write(to, asio::buffer(buf.data(), size),
                        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          if (ec) return self->relay.close(self->link);
                          self->read();
                        });
    }

    Impl& relay;
    std::shared_ptr<Link> link;
    tcp::socket& from;
    tcp::socket& to;
    const bool to_client;  // server → client direction
    asio::steady_timer timer;
    std::array<char, 16384> buf{};
    std::size_t size = 0;
  };

  struct Link {
    explicit Link(tcp::socket client_side, asio::io_context& ioc) : client(std::move(client_side)), server(ioc) {}
    tcp::socket client;
    tcp::socket server;
    bool closed = false;
  };

  explicit Impl(const std::string& target_url)
      : target_(parse_target(target_url)), acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
  }

  void start() {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void stop() {
    run([this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      parked_.clear();
      for (auto& link : std::set<std::shared_ptr<Link>>(links_)) close(link);
    });
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `fn` on the relay's thread and waits for it.
  void run(std::function<void()> fn) {
    std::promise<void> done;
    auto f = done.get_future();
    asio::post(ioc_, [&] {
      fn();
      done.set_value();
    });
    f.wait();
  }

  void accept() {
    acceptor_.async_accept([self = this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed by stop()
      self->accepted_++;
      auto link = std::make_shared<Link>(std::move(socket), self->ioc_);
      self->links_.insert(link);
      self->open_ = self->links_.size();
      link->server.async_connect(self->target_, [self, link](boost::system::error_code ec) {
        if (ec) return self->close(link);
        std::make_shared<Pump>(*self, link, link->client, link->server, false)->read();
        std::make_shared<Pump>(*self, link, link->server, link->client, true)->read();
      });
      self->accept();
    });
  }

  void close(const std::shared_ptr<Link>& link) {
    if (link->closed) return;
    link->closed = true;
    boost::system::error_code ignored;
    link->client.close(ignored);
    link->server.close(ignored);
    links_.erase(link);
    open_ = links_.size();
  }

  asio::io_context ioc_;
  const tcp::endpoint target_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread thread_;  // runs ioc_; joined by stop()
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> accepted_{0};
  // Relay thread only.
  bool frozen_ = false;
  bool replies_frozen_ = false;
  std::chrono::milliseconds delay_{0};
  std::vector<std::function<void()>> parked_;  // pumps waiting for thaw(), in arrival order
  std::set<std::shared_ptr<Link>> links_;
};

TcpRelay::TcpRelay(const std::string& target_url) : impl_(std::make_unique<Impl>(target_url)) { impl_->start(); }

TcpRelay::~TcpRelay() { impl_->stop(); }

int TcpRelay::port() const { return impl_->port_; }

std::string TcpRelay::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port_); }

void TcpRelay::freeze() {
  impl_->run([this] { impl_->frozen_ = true; });
}

void TcpRelay::freeze_replies() {
  impl_->run([this] { impl_->replies_frozen_ = true; });
}

void TcpRelay::thaw() {
  impl_->run([this] {
    impl_->frozen_ = false;
    impl_->replies_frozen_ = false;
    auto parked = std::move(impl_->parked_);
    impl_->parked_.clear();
    for (auto& resume : parked) resume();
  });
}

void TcpRelay::set_delay(std::chrono::milliseconds delay) {
  impl_->run([this, delay] { impl_->delay_ = delay; });
}

void TcpRelay::cut() {
  impl_->run([this] {
    for (auto& link : std::set<std::shared_ptr<Impl::Link>>(impl_->links_)) impl_->close(link);
  });
}

std::size_t TcpRelay::open_connections() const { return impl_->open_.load(); }

std::size_t TcpRelay::accepted() const { return impl_->accepted_.load(); }

}  // namespace coord::test
