#include "test/support/net/connect_proxy.hpp"

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>
#include <thread>

namespace coord::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct Counters {
  std::atomic<std::size_t> tunnels{0}, forwarded{0}, refused{0};
};

tcp::socket& socket_of(tcp::socket& s) { return s; }
tcp::socket& socket_of(net::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

// The port of "127.0.0.1:PORT" at the start of `text` up to `end`, or nothing.
std::optional<unsigned short> loopback_port(const std::string& text, std::size_t end) {
  const std::string prefix = "127.0.0.1:";
  if (text.rfind(prefix, 0) != 0 || end == std::string::npos || end <= prefix.size()) return std::nullopt;
  const std::string port = text.substr(prefix.size(), end - prefix.size());
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int n = std::stoi(port);
  if (n <= 0 || n > 65535) return std::nullopt;
  return static_cast<unsigned short>(n);
}

// One client connection (a TCP socket, or a TLS session with an https proxy's client): its
// request head, then, for an accepted CONNECT or absolute-form request, the relay to the
// target both ways until either side closes. Keeps itself alive through its handlers.
template <class Client>
class Tunnel : public std::enable_shared_from_this<Tunnel<Client>> {
 public:
  Tunnel(Client client, Counters& counters)
      : client_(std::move(client)), target_(socket_of(client_).get_executor()), counters_(counters) {}

  void start() {
    if constexpr (std::is_same_v<Client, tcp::socket>) {
      read_head();
    } else {
      client_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](boost::system::error_code ec) {
        if (ec) return self->close();  // e.g. a client that does not trust the certificate
        self->read_head();
      });
    }
  }

 private:
  void read_head() {
    net::async_read_until(client_, net::dynamic_buffer(head_, 16 * 1024), "\r\n\r\n",
                          [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) { self->on_head(ec, n); });
  }

  void on_head(boost::system::error_code ec, std::size_t n) {
    if (ec) return close();
    // "CONNECT 127.0.0.1:PORT HTTP/1.1", or "METHOD http://127.0.0.1:PORT/path HTTP/1.1".
    const std::string line = head_.substr(0, head_.find("\r\n"));
    const auto space = line.find(' ');
    if (space == std::string::npos) return refuse();
    const std::string method = line.substr(0, space);
    const std::string rest = line.substr(space + 1);
    if (method == "CONNECT") {
      const auto port = loopback_port(rest, rest.find(' '));
      if (!port) return refuse();
      head_.erase(0, n);  // what the client sent past the head goes to the target
      return open(*port, "HTTP/1.1 200 Connection established\r\n\r\n", counters_.tunnels);
    }
    const std::string scheme = "http://";
    if (rest.rfind(scheme, 0) != 0) return refuse();
    const std::string authority_on = rest.substr(scheme.size());
    const auto path = authority_on.find('/');
    const auto port = loopback_port(authority_on, path);
    if (!port) return refuse();
    // The target server gets the request in origin form, as a proxy passes it on.
    head_.replace(space + 1, scheme.size() + path, "");
    open(*port, "", counters_.forwarded);
  }

  // Connects to the target, answers the client with `answer` (none: the target answers), sends
  // what is left of head_ to the target, then relays both ways.
  void open(unsigned short port, std::string answer, std::atomic<std::size_t>& count) {
    answer_ = std::move(answer);
    target_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [self = this->shared_from_this(), &count](boost::system::error_code e) {
      if (e) return self->close();
      ++count;
      net::async_write(self->client_, net::buffer(self->answer_), [self](boost::system::error_code e2, std::size_t) {
        if (e2) return self->close();
        net::async_write(self->target_, net::buffer(self->head_), [self](boost::system::error_code e3, std::size_t) {
          if (e3) return self->close();
          self->relay(self->client_, self->target_, self->up_);
          self->relay(self->target_, self->client_, self->down_);
        });
      });
    });
  }

  void refuse() {
    ++counters_.refused;
    answer_ = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    net::async_write(client_, net::buffer(answer_), [self = this->shared_from_this()](boost::system::error_code, std::size_t) { self->close(); });
  }

  template <class From, class To>
  void relay(From& from, To& to, std::array<char, 16384>& buffer) {
    from.async_read_some(net::buffer(buffer), [self = this->shared_from_this(), &from, &to, &buffer](boost::system::error_code ec, std::size_t n) {
      if (ec) return self->close();
      net::async_write(to, net::buffer(buffer.data(), n), [self, &from, &to, &buffer](boost::system::error_code e, std::size_t) {
        if (e) return self->close();
        self->relay(from, to, buffer);
      });
    });
  }

  void close() {
    boost::system::error_code ignored;
    socket_of(client_).close(ignored);
    target_.close(ignored);
  }

  Client client_;
  tcp::socket target_;
  Counters& counters_;
  std::string head_;
  std::string answer_;
  std::array<char, 16384> up_{}, down_{};
};

}  // namespace

class ConnectProxy::Impl {
 public:
  explicit Impl(std::optional<net::ssl::context> tls) : tls_(std::move(tls)), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
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
      if (tls_) {
        std::make_shared<Tunnel<net::ssl::stream<tcp::socket>>>(net::ssl::stream<tcp::socket>(std::move(socket), *tls_), counters_)->start();
      } else {
        std::make_shared<Tunnel<tcp::socket>>(std::move(socket), counters_)->start();
      }
      accept();
    });
  }

  std::optional<net::ssl::context> tls_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  Counters counters_;
  std::thread thread_;
};

namespace {

net::ssl::context server_context(const std::string& cert_file, const std::string& key_file) {
  net::ssl::context context(net::ssl::context::tls_server);
  context.use_certificate_chain_file(cert_file);
  context.use_private_key_file(key_file, net::ssl::context::pem);
  return context;
}

}  // namespace

ConnectProxy::ConnectProxy() : impl_(std::make_unique<Impl>(std::nullopt)) {}
ConnectProxy::ConnectProxy(const std::string& cert_file, const std::string& key_file)
    : impl_(std::make_unique<Impl>(server_context(cert_file, key_file))) {}
ConnectProxy::~ConnectProxy() = default;

std::string ConnectProxy::address() const { return "127.0.0.1:" + std::to_string(impl_->acceptor_.local_endpoint().port()); }
std::size_t ConnectProxy::tunnels() const { return impl_->counters_.tunnels.load(); }
std::size_t ConnectProxy::forwarded() const { return impl_->counters_.forwarded.load(); }
std::size_t ConnectProxy::refused() const { return impl_->counters_.refused.load(); }

}  // namespace coord::test
