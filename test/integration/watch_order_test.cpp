// Stream watchers under concurrent writers, against a real single-member coordd: when one raft
// round applies several writes, each stream watcher must still get every event once, in index
// order, however the round's notifications are split among the io threads. 200 watchers and
// 8 writers make rounds of several events and far more notifications than one io task carries.
// Skipped when $COORDD is not set.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "coord/client.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
using coord::test::ServerCluster;
using coord::test::ServerKind;

namespace {

constexpr int kWatchers = 200;
constexpr int kWriters = 8;
constexpr int kWritesEach = 40;

int connect_to(const std::string& url) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The node modifiedIndex of every event in a stream's bytes, in arrival order (the writes make
// new keys, so events carry no prevNode and each has exactly one modifiedIndex).
std::vector<std::uint64_t> modified_indexes(const std::string& stream) {
  std::vector<std::uint64_t> out;
  const std::string field = "\"modifiedIndex\":";
  for (auto at = stream.find(field); at != std::string::npos; at = stream.find(field, at + 1))
    out.push_back(std::stoull(stream.substr(at + field.size())));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(watch_order, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(stream_watchers__get_every_event_once_in_order_under_concurrent_writers) {
  ServerCluster cluster(ServerKind::kCoordd, 1);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  const std::string url = cluster.client_url(0);

  std::vector<int> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(connect_to(url));
    const std::string request = "GET /v2/keys/order?wait=true&recursive=true&stream=true HTTP/1.1\r\nHost: x\r\n\r\n";
    BOOST_REQUIRE(::send(watchers.back(), request.data(), request.size(), MSG_NOSIGNAL) ==
                  static_cast<ssize_t>(request.size()));
  }
  const auto registered_by = std::chrono::steady_clock::now() + 10s;
  while (true) {
    const auto registered = coord::test::store_watchers(url);
    BOOST_REQUIRE(registered);
    if (*registered >= kWatchers) break;
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < registered_by, "watchers not registered in 10 s");
    std::this_thread::sleep_for(5ms);
  }

  std::vector<std::thread> writers;
  std::vector<int> failures(kWriters, 0);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      coord::ClientOptions options;
      options.endpoints = {url};
      coord::Client client(options);
      for (int i = 0; i < kWritesEach; ++i) {
        try {
          client.set("/order/w" + std::to_string(w) + "-" + std::to_string(i), "v");
        } catch (const std::exception&) {
          ++failures[static_cast<std::size_t>(w)];
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  for (int f : failures) BOOST_TEST(f == 0);

  // Read every stream until it holds all the events (or 30 s pass).
  constexpr int kEvents = kWriters * kWritesEach;
  std::vector<std::string> streams(watchers.size());
  std::vector<bool> done(watchers.size(), false);
  int left = kWatchers;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (left > 0 && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < watchers.size(); ++i) {
      if (done[i]) continue;
      fds.push_back(pollfd{watchers[i], POLLIN, 0});
      which.push_back(i);
    }
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const std::size_t i = which[k];
      char buf[65536];
      const ssize_t n = ::recv(watchers[i], buf, sizeof buf, 0);
      if (n > 0) streams[i].append(buf, static_cast<std::size_t>(n));
      if (n <= 0 || count_of(streams[i], "\"action\":\"set\"") >= kEvents) {
        done[i] = true;
        --left;
      }
    }
  }
  for (int fd : watchers) ::close(fd);

  for (std::size_t i = 0; i < streams.size(); ++i) {
    BOOST_TEST_CONTEXT("watcher " << i) {
      const auto indexes = modified_indexes(streams[i]);
      BOOST_TEST(indexes.size() == static_cast<std::size_t>(kEvents));
      bool ascending = true;
      std::size_t first_bad = 0;
      for (std::size_t k = 1; k < indexes.size() && ascending; ++k)
        if (indexes[k - 1] >= indexes[k]) ascending = false, first_bad = k;
      BOOST_TEST(ascending, "index " << indexes[first_bad] << " after " << indexes[first_bad > 0 ? first_bad - 1 : 0]
                                     << " (event " << first_bad << ")");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
