#include "test/bench/coord_bench/watch_fanout.hpp"

#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include <boost/asio/buffer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "test/bench/coord_bench/control_client.hpp"

namespace coord::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kConnectTimeout = std::chrono::seconds(60);
constexpr auto kRegisterTimeout = std::chrono::seconds(60);
constexpr auto kRoundTimeout = std::chrono::seconds(60);
constexpr auto kPoll = std::chrono::milliseconds(10);

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Polls `done` until it returns true or `limit` passes.
template <typename Done>
bool wait_for(Done done, Clock::duration limit) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}
}  // namespace

// One long-poll watcher on its own connection and strand.
class Watcher : public std::enable_shared_from_this<Watcher> {
 public:
  Watcher(net::io_context& ioc, int id, const Endpoint& endpoint, net::ip::tcp::endpoint address,
          FanoutState& state)
      : id_(id), endpoint_(endpoint), address_(address), state_(state), stream_(net::make_strand(ioc)) {}

  void connect() {
    stream_.async_connect(address_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        std::cerr << "watcher " << self->id_ << " connect: " << ec.message() << "\n";
        self->state_.failed.fetch_add(1);
      } else {
        self->stream_.socket().set_option(net::ip::tcp::no_delay(true), ec);
      }
      self->state_.connected.fetch_add(1);  // counted either way: the launcher must not wait forever
    });
  }

  // Sends the watch request for `target` and waits for its answer.
  void arm(std::string target) {
    net::post(stream_.get_executor(), [self = shared_from_this(), target = std::move(target)] {
      self->request_ = "GET " + target + " HTTP/1.1\r\nHost: " + self->endpoint_.host_header + "\r\n\r\n";
      net::async_write(self->stream_, net::buffer(self->request_),
                       [self](beast::error_code ec, std::size_t) { self->on_write(ec); });
    });
  }

  void close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->stream_.socket().close(ignored);
    });
  }

 private:
  void on_write(beast::error_code ec) {
    state_.armed.fetch_add(1);
    if (ec) return fail(ec);
    parser_.emplace();
    parser_->body_limit(1 << 20);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec);
    state_.notified_ns[static_cast<std::size_t>(id_)].store(now_ns());
    if (parser_->get().result_int() != 200) {
      std::cerr << "watcher " << id_ << ": status " << parser_->get().result_int() << " "
                << parser_->get().body().substr(0, 200) << "\n";
      state_.failed.fetch_add(1);
    }
    state_.answered.fetch_add(1);
  }

  void fail(beast::error_code ec) {
    if (ec == net::error::operation_aborted) return;
    std::cerr << "watcher " << id_ << ": " << ec.message() << "\n";
    state_.failed.fetch_add(1);
    state_.notified_ns[static_cast<std::size_t>(id_)].store(0);
    state_.answered.fetch_add(1);
  }

  const int id_;
  const Endpoint endpoint_;
  const net::ip::tcp::endpoint address_;
  FanoutState& state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string request_;
};

WatchFanout::WatchFanout(const BenchOptions& options, std::vector<net::ip::tcp::endpoint> addresses)
    : options_(options), addresses_(std::move(addresses)), state_(options.watchers) {
  std::string base = "/v2/keys" + options_.prefix + "/fanout";
  watch_key_ = options_.watch_dir ? base + "?wait=true&recursive=true" : base + "?wait=true";
  put_key_ = options_.watch_dir ? base + "/key" : base;
}

WatchFanout::~WatchFanout() = default;

// Opens every watcher connection, at most kWindow connects at a time (a listen backlog would drop
// a burst of 10k SYNs and add seconds of retransmission to the set-up).
bool WatchFanout::connect_all(FanoutResult& result) {
  constexpr int kWindow = 256;
  auto start = Clock::now();
  const auto n = static_cast<std::size_t>(options_.watchers);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t e = i % addresses_.size();
    watchers_.push_back(std::make_shared<Watcher>(ioc_, static_cast<int>(i), options_.endpoints[e],
                                                  addresses_[e], state_));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!wait_for([&] { return static_cast<int>(i) - state_.connected.load() < kWindow; }, kConnectTimeout)) {
      return false;
    }
    watchers_[i]->connect();
  }
  bool ok = wait_for([&] { return state_.connected.load() == options_.watchers; }, kConnectTimeout);
  result.connect_s = std::chrono::duration<double>(Clock::now() - start).count();
  return ok && state_.failed.load() == 0;
}

// Waits until the members' /v2/stats/store "watchers" add up to every watcher; false on timeout
// (the PUT is sent anyway: waitIndex makes late watchers still see the event, only slower).
bool WatchFanout::wait_registered(int watchers) {
  std::vector<std::unique_ptr<ControlClient>> clients;
  for (std::size_t e = 0; e < addresses_.size(); ++e) {
    clients.push_back(std::make_unique<ControlClient>(options_.endpoints[e], addresses_[e]));
  }
  return wait_for([&] {
    std::int64_t sum = 0;
    for (auto& c : clients) sum += watchers_of(c->call("GET", "/v2/stats/store", "").body).value_or(0);
    return sum >= watchers;
  }, kRegisterTimeout);
}

bool WatchFanout::run_round(std::uint64_t& wait_index, FanoutResult& result) {
  state_.armed.store(0);
  state_.answered.store(0);
  for (auto& t : state_.notified_ns) t.store(0);
  std::string sep = "&waitIndex=";
  for (auto& w : watchers_) w->arm(watch_key_ + sep + std::to_string(wait_index));
  if (!wait_for([&] { return state_.armed.load() == options_.watchers; }, kRegisterTimeout)) return false;
  result.registration_seen = wait_registered(options_.watchers);
  if (result.rounds_done == 0 && options_.idle_s > 0) {
    // The line a caller waits for to read the server's memory with every watcher registered and idle.
    std::cerr << "watch-fanout: " << options_.watchers << " watchers registered, idle for " << options_.idle_s
              << " s" << std::endl;
    std::this_thread::sleep_for(std::chrono::duration<double>(options_.idle_s));
  }
  ControlClient control(options_.endpoints[0], addresses_[0]);
  std::int64_t t0 = now_ns();
  auto answer = control.call("PUT", put_key_, "value=round" + std::to_string(result.rounds_done));
  std::int64_t put_done = now_ns();
  if (answer.status < 200 || answer.status >= 300) {
    std::cerr << "fan-out PUT failed: " << answer.status << " " << answer.error << answer.body << "\n";
    return false;
  }
  result.put_latency.record(static_cast<std::uint64_t>(put_done - t0));
  wait_index = modified_index_of(answer.body).value_or(wait_index) + 1;
  if (!wait_for([&] { return state_.answered.load() == options_.watchers; }, kRoundTimeout)) {
    std::cerr << "fan-out round timed out: " << state_.answered.load() << " of " << options_.watchers
              << " watchers answered\n";
    return false;
  }
  std::int64_t last = 0;
  for (auto& t : state_.notified_ns) {
    std::int64_t v = t.load();
    if (v == 0) continue;
    last = std::max(last, v);
    result.all_notified.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, v - t0)));
  }
  result.last_notified.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, last - t0)));
  ++result.rounds_done;
  return true;
}

FanoutResult WatchFanout::run() {
  FanoutResult result;
  auto guard = net::make_work_guard(ioc_);
  std::vector<std::thread> threads;
  for (int i = 0; i < options_.threads; ++i) threads.emplace_back([this] { ioc_.run(); });

  ControlClient control(options_.endpoints[0], addresses_[0]);
  auto first = control.call("PUT", put_key_, "value=start");
  auto index = modified_index_of(first.body);
  if (!index) {
    std::cerr << "fan-out set-up PUT failed: " << first.status << " " << first.error << first.body << "\n";
  } else if (connect_all(result)) {
    std::uint64_t wait_index = *index + 1;
    for (int r = 0; r < options_.rounds; ++r) {
      if (!run_round(wait_index, result)) break;
    }
  } else {
    std::cerr << "fan-out: could not connect every watcher\n";
  }
  for (int i = 0; i < state_.failed.load(); ++i) result.last_notified.record_error("watcher failed");
  for (int r = result.rounds_done; r < options_.rounds; ++r) result.last_notified.record_error("round not completed");
  for (auto& w : watchers_) w->close();
  guard.reset();
  ioc_.stop();
  for (auto& t : threads) t.join();
  return result;
}

}  // namespace coord::bench
