// LinkRelays: one io_context thread owns every socket and all fault state, so the switches need
// no locks: control calls are posted to that thread and waited for (as in tcp_relay.cpp). Each
// accepted connection first collects its request head to learn its sender; then an upstream pump
// (sender → member, subject to the link's faults) and a downstream pump (member → sender, never
// faulted) each read a chunk, forward it, and read the next, so order is kept within a
// connection. A pump held by a freeze parks itself until heal().
//
// Ownership: handlers refer to the Impl by plain pointer; connections and pumps live in their
// pending handlers, in conns_ and in parked_. stop() joins the thread and the Impl's destructor
// destroys ioc_ last, which destroys every handler still queued.
#include "test/support/net/link_relay.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace coord::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A head longer than this names no sender: the connection is passed through unfaulted.
constexpr std::size_t kMaxHead = 16384;

std::optional<std::uint64_t> sender_of(const std::string& head) {
  std::string lower(head.size(), '\0');
  std::transform(head.begin(), head.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string name = "\r\nx-server-from:";
  const auto at = lower.find(name);
  if (at == std::string::npos) return std::nullopt;
  auto begin = at + name.size();
  const auto end = lower.find("\r\n", begin);
  if (end == std::string::npos) return std::nullopt;
  while (begin < end && lower[begin] == ' ') ++begin;
  char* parsed_end = nullptr;
  const std::string value = lower.substr(begin, end - begin);
  const std::uint64_t id = std::strtoull(value.c_str(), &parsed_end, 16);
  if (value.empty() || parsed_end == nullptr || *parsed_end != '\0') return std::nullopt;
  return id;
}

}  // namespace

class LinkRelays::Impl {
 public:
  struct Conn {
    Conn(tcp::socket c, asio::io_context& ioc, int to) : client(std::move(c)), server(ioc), to(to) {}
    tcp::socket client;
    tcp::socket server;
    const int to;
    std::optional<std::uint64_t> sender;  // from the head's X-Server-From
    int from = -1;  // the sender's member index once known (see resolve())
    bool closed = false;
    std::string head;
  };

  struct LinkState {
    std::optional<CutMode> cut;
    std::chrono::milliseconds delay{0};
    std::chrono::milliseconds jitter{0};
    double drop = 0;
    std::size_t refused = 0;
  };

  // One direction of one connection; `faulted` for the sender → member direction.
  struct Pump : std::enable_shared_from_this<Pump> {
    Pump(Impl& relays, std::shared_ptr<Conn> conn, bool upstream)
        : relays(relays), conn(std::move(conn)), upstream(upstream), timer(relays.ioc_) {}

    tcp::socket& from() { return upstream ? conn->client : conn->server; }
    tcp::socket& to() { return upstream ? conn->server : conn->client; }

    void read() {
      from().async_read_some(asio::buffer(buf), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (ec) return self->relays.close(self->conn, false);
        self->data.assign(self->buf.data(), n);
        self->forward(false);
      });
    }

    void forward(bool delayed) {
      if (conn->closed) return;
      if (upstream && relays.resolve(*conn) >= 0) {
        LinkState& link = relays.link(conn->from, conn->to);
        if (link.cut == CutMode::kClose) return relays.close(conn, true);
        if (link.cut == CutMode::kFreeze) {
          relays.parked_.push_back([self = shared_from_this(), delayed] { self->forward(delayed); });
          return;
        }
        if (!delayed && (link.delay.count() > 0 || link.jitter.count() > 0)) {
          auto wait = link.delay;
          if (link.jitter.count() > 0)
            wait += std::chrono::milliseconds(std::uniform_int_distribution<long>(0, link.jitter.count())(relays.rng_));
          timer.expires_after(wait);
          timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->forward(true);
          });
          return;
        }
        if (link.drop > 0 && std::uniform_real_distribution<double>(0, 1)(relays.rng_) < link.drop)
          return relays.close(conn, true);
      }
      asio::async_write(to(), asio::buffer(data), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        if (ec) return self->relays.close(self->conn, false);
        self->read();
      });
    }

    Impl& relays;
    std::shared_ptr<Conn> conn;
    const bool upstream;
    asio::steady_timer timer;
    std::array<char, 16384> buf{};
    std::string data;
  };

  Impl(const std::vector<int>& target_ports, const std::vector<int>& listen_ports, std::uint32_t seed)
      : n_(static_cast<int>(target_ports.size())), links_(target_ports.size() * target_ports.size()), rng_(seed) {
    if (listen_ports.size() != target_ports.size()) throw std::invalid_argument("LinkRelays: one listen port per member");
    for (std::size_t i = 0; i < target_ports.size(); ++i) {
      tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                                 static_cast<unsigned short>(listen_ports[i])));
      ports_.push_back(acceptor.local_endpoint().port());
      acceptors_.push_back(std::move(acceptor));
      targets_.emplace_back(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(target_ports[i]));
    }
    for (int i = 0; i < n_; ++i) accept(i);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void stop() {
    run([this] {
      boost::system::error_code ignored;
      for (auto& a : acceptors_) a.close(ignored);
      parked_.clear();
      for (auto& c : std::set<std::shared_ptr<Conn>>(conns_)) close(c, false);
    });
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `fn` on the relays' thread and waits for it.
  void run(const std::function<void()>& fn) {
    std::promise<void> done;
    auto f = done.get_future();
    asio::post(ioc_, [&] {
      fn();
      done.set_value();
    });
    f.wait();
  }

  LinkState& link(int from, int to) { return links_.at(static_cast<std::size_t>(from * n_ + to)); }

  void check(int member) const {
    if (member < 0 || member >= n_) throw std::out_of_range("LinkRelays: no member " + std::to_string(member));
  }

  void accept(int to) {
    acceptors_[to].async_accept([this, to](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed by stop()
      auto conn = std::make_shared<Conn>(std::move(socket), ioc_, to);
      conns_.insert(conn);
      conn->server.async_connect(targets_[to], [this, conn](boost::system::error_code e) {
        if (e) return close(conn, false);
        read_head(conn);
      });
      accept(to);
    });
  }

  void read_head(const std::shared_ptr<Conn>& conn) {
    auto buf = std::make_shared<std::array<char, 4096>>();
    conn->client.async_read_some(asio::buffer(*buf), [this, conn, buf](boost::system::error_code ec, std::size_t n) {
      if (ec || conn->closed) return close(conn, false);
      conn->head.append(buf->data(), n);
      if (conn->head.find("\r\n\r\n") == std::string::npos && conn->head.size() < kMaxHead) return read_head(conn);
      conn->sender = sender_of(conn->head);
      auto up = std::make_shared<Pump>(*this, conn, true);
      up->data = std::move(conn->head);
      up->forward(false);
      std::make_shared<Pump>(*this, conn, false)->read();
    });
  }

  void close(const std::shared_ptr<Conn>& conn, bool by_fault) {
    if (conn->closed) return;
    conn->closed = true;
    boost::system::error_code ignored;
    conn->client.close(ignored);
    conn->server.close(ignored);
    if (by_fault && resolve(*conn) >= 0) ++link(conn->from, conn->to).refused;
    conns_.erase(conn);
  }

  // The member index of the connection's sender: connections opened before set_member_id()
  // (the cluster learns the ids only once it runs) are identified on first use after it.
  int resolve(Conn& conn) {
    if (conn.from < 0 && conn.sender) {
      if (auto it = ids_.find(*conn.sender); it != ids_.end() && it->second != conn.to) conn.from = it->second;
    }
    return conn.from;
  }

  void apply_cut(int from, int to, CutMode mode) {
    link(from, to).cut = mode;
    if (mode != CutMode::kClose) return;
    for (auto& c : std::set<std::shared_ptr<Conn>>(conns_))
      if (resolve(*c) == from && c->to == to) close(c, true);
  }

  void resume_parked() {
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& resume : parked) resume();  // each parks again if its link is still frozen
  }

  asio::io_context ioc_;
  const int n_;
  std::vector<tcp::acceptor> acceptors_;
  std::vector<int> ports_;
  std::vector<tcp::endpoint> targets_;
  std::thread thread_;
  // Relay thread only.
  std::vector<LinkState> links_;  // [from * n_ + to]
  std::map<std::uint64_t, int> ids_;
  std::set<std::shared_ptr<Conn>> conns_;
  std::vector<std::function<void()>> parked_;
  std::mt19937 rng_;
};

LinkRelays::LinkRelays(const std::vector<int>& target_ports, const std::vector<int>& listen_ports, std::uint32_t seed)
    : impl_(std::make_unique<Impl>(target_ports, listen_ports, seed)) {}

LinkRelays::~LinkRelays() { impl_->stop(); }

int LinkRelays::size() const { return impl_->n_; }

std::string LinkRelays::url(int member) const {
  impl_->check(member);
  return "http://127.0.0.1:" + std::to_string(impl_->ports_[member]);
}

void LinkRelays::set_member_id(int member, const std::string& id_hex) {
  impl_->check(member);
  char* end = nullptr;
  const std::uint64_t id = std::strtoull(id_hex.c_str(), &end, 16);
  if (id_hex.empty() || *end != '\0') throw std::invalid_argument("LinkRelays: bad member id " + id_hex);
  impl_->run([&] { impl_->ids_[id] = member; });
}

void LinkRelays::cut(int from, int to, CutMode mode) {
  impl_->check(from);
  impl_->check(to);
  impl_->run([&] { impl_->apply_cut(from, to, mode); });
}

void LinkRelays::cut_both_ways(int a, int b, CutMode mode) {
  cut(a, b, mode);
  cut(b, a, mode);
}

void LinkRelays::isolate(int member, CutMode mode) {
  for (int other = 0; other < size(); ++other)
    if (other != member) cut_both_ways(member, other, mode);
}

void LinkRelays::set_delay(int from, int to, std::chrono::milliseconds base, std::chrono::milliseconds jitter) {
  impl_->check(from);
  impl_->check(to);
  impl_->run([&] {
    impl_->link(from, to).delay = base;
    impl_->link(from, to).jitter = jitter;
  });
}

void LinkRelays::set_drop(int from, int to, double probability) {
  impl_->check(from);
  impl_->check(to);
  impl_->run([&] { impl_->link(from, to).drop = probability; });
}

void LinkRelays::heal(int from, int to) {
  impl_->check(from);
  impl_->check(to);
  impl_->run([&] {
    auto& l = impl_->link(from, to);
    l.cut.reset();
    l.delay = l.jitter = std::chrono::milliseconds(0);
    l.drop = 0;
    impl_->resume_parked();
  });
}

void LinkRelays::heal_all() {
  impl_->run([&] {
    for (auto& l : impl_->links_) {
      l.cut.reset();
      l.delay = l.jitter = std::chrono::milliseconds(0);
      l.drop = 0;
    }
    impl_->resume_parked();
  });
}

std::size_t LinkRelays::open_connections(int from, int to) const {
  impl_->check(from);
  impl_->check(to);
  std::size_t n = 0;
  impl_->run([&] {
    for (const auto& c : impl_->conns_) n += (impl_->resolve(*c) == from && c->to == to) ? 1 : 0;
  });
  return n;
}

std::size_t LinkRelays::refused(int from, int to) const {
  impl_->check(from);
  impl_->check(to);
  std::size_t n = 0;
  impl_->run([&] { n = impl_->link(from, to).refused; });
  return n;
}

}  // namespace coord::test
