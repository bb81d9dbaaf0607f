// tcp-fanout-floor: the least a watch fan-out can cost on this machine's loopback TCP, with no
// HTTP, no JSON and no server logic. A "server" process sends one BYTES-byte message on each of
// CONNECTIONS connections from WRITERS threads; a "client" process, forked from it, reads them
// all with epoll on READERS threads. Per round it prints nothing; at the end it prints the p50
// over ROUNDS of the time from the first send to the last message read, which is what the
// watch-fanout workload of coord-bench measures from the PUT's answer onwards. compare.sh prints
// it next to the fan-out row: a server cannot notify faster than this floor.
//
//   tcp-fanout-floor [CONNECTIONS=10000] [ROUNDS=5] [BYTES=300] [WRITERS=2] [READERS=1]
//
// Two processes (like a server and its load generator) so that each stays within its own limit
// of open files. Both only ever use 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  int connections = 10000;
  int rounds = 5;
  int bytes = 300;
  int writers = 2;
  int readers = 1;
};

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // one clock for both processes
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The client process: connects every socket, then per round reports "ready" (one byte on
// `to_server`), reads BYTES from every socket, and reports the time the last one was complete.
int run_client(const Options& o, const sockaddr_in& address, int to_server, int from_server) {
  std::vector<int> sockets;
  for (int i = 0; i < o.connections; ++i) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || ::connect(s, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      std::perror("tcp-fanout-floor: connect");
      return 1;
    }
    const int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(s, F_SETFL, O_NONBLOCK);
    sockets.push_back(s);
  }
  // Each reader owns an epoll set over its share of the sockets, like an io thread.
  std::vector<int> polls;
  for (int r = 0; r < o.readers; ++r) polls.push_back(::epoll_create1(EPOLL_CLOEXEC));
  for (int i = 0; i < o.connections; ++i) {
    epoll_event e{};
    e.events = EPOLLIN | EPOLLET;
    e.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(polls[static_cast<std::size_t>(i % o.readers)], EPOLL_CTL_ADD, sockets[static_cast<std::size_t>(i)], &e);
  }
  std::vector<int> received(sockets.size());
  for (int round = 0; round < o.rounds; ++round) {
    std::fill(received.begin(), received.end(), 0);
    std::atomic<int> complete{0};
    std::atomic<std::int64_t> last{0};
    std::vector<std::thread> threads;
    for (int r = 0; r < o.readers; ++r) {
      threads.emplace_back([&, ep = polls[static_cast<std::size_t>(r)]] {
        std::vector<epoll_event> events(256);
        char buffer[4096];
        while (complete.load() < o.connections) {
          const int k = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
          for (int j = 0; j < k; ++j) {
            const auto i = events[static_cast<std::size_t>(j)].data.u32;
            ssize_t n;
            while ((n = ::read(sockets[i], buffer, sizeof buffer)) > 0) received[i] += static_cast<int>(n);
            if (received[i] == o.bytes) {
              received[i] = o.bytes + 1;  // counted once
              const std::int64_t t = now_ns();
              std::int64_t seen = last.load();
              while (t > seen && !last.compare_exchange_weak(seen, t)) {
              }
              complete.fetch_add(1);
            }
          }
        }
      });
    }
    const char ready = 'r';
    if (!write_all(to_server, &ready, 1)) return 1;
    for (auto& t : threads) t.join();
    const std::int64_t t = last.load();
    if (!write_all(to_server, &t, sizeof t)) return 1;
    char next;
    if (!read_all(from_server, &next, 1)) return 1;
  }
  return 0;
}

std::int64_t median(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc > 1) o.connections = std::atoi(argv[1]);
  if (argc > 2) o.rounds = std::atoi(argv[2]);
  if (argc > 3) o.bytes = std::atoi(argv[3]);
  if (argc > 4) o.writers = std::atoi(argv[4]);
  if (argc > 5) o.readers = std::atoi(argv[5]);
  if (o.connections < 1 || o.rounds < 1 || o.bytes < 1 || o.bytes > 4096 || o.writers < 1 || o.readers < 1) {
    std::fprintf(stderr, "usage: tcp-fanout-floor [CONNECTIONS=10000] [ROUNDS=5] [BYTES=300 (<= 4096)] [WRITERS=2] [READERS=1]\n");
    return 2;
  }

  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // any free port
  socklen_t length = sizeof address;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, SOMAXCONN) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("tcp-fanout-floor: listen");
    return 1;
  }
  int up[2], down[2];  // client -> server, server -> client
  if (::pipe(up) != 0 || ::pipe(down) != 0) {
    std::perror("tcp-fanout-floor: pipe");
    return 1;
  }
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("tcp-fanout-floor: fork");
    return 1;
  }
  if (child == 0) {
    ::close(listener);
    ::_exit(run_client(o, address, up[1], down[0]));
  }

  // The server: accepts every connection while the client connects (the backlog is smaller
  // than CONNECTIONS), then sends one message per connection per round.
  std::vector<int> sockets;
  while (static_cast<int>(sockets.size()) < o.connections) {
    const int s = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) {
      if (errno == EINTR) continue;
      std::perror("tcp-fanout-floor: accept");
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
      return 1;
    }
    const int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockets.push_back(s);
  }
  const std::string message(static_cast<std::size_t>(o.bytes), 'x');
  std::vector<std::int64_t> rounds;
  std::atomic<bool> ok{true};
  for (int round = 0; round < o.rounds && ok; ++round) {
    char ready;
    if (!read_all(up[0], &ready, 1)) break;
    const std::int64_t start = now_ns();
    std::vector<std::thread> writers;
    for (int w = 0; w < o.writers; ++w) {
      writers.emplace_back([&, w] {
        for (std::size_t i = static_cast<std::size_t>(w); i < sockets.size(); i += static_cast<std::size_t>(o.writers))
          if (::send(sockets[i], message.data(), message.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(message.size()))
            ok.store(false);  // a short send on an empty socket buffer: not expected; the round is void
      });
    }
    for (auto& t : writers) t.join();
    std::int64_t last = 0;
    if (!read_all(up[0], &last, sizeof last)) break;
    rounds.push_back(last - start);
    const char next = 'n';
    if (!write_all(down[1], &next, 1)) break;
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!ok || static_cast<int>(rounds.size()) != o.rounds || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "tcp-fanout-floor: a round failed\n");
    return 1;
  }
  std::printf("tcp_fanout_floor\tconnections=%d\trounds=%d\tbytes=%d\twriters=%d\treaders=%d\tp50_ms=%.1f\tmin_ms=%.1f\n",
              o.connections, o.rounds, o.bytes, o.writers, o.readers, static_cast<double>(median(rounds)) / 1e6,
              static_cast<double>(*std::min_element(rounds.begin(), rounds.end())) / 1e6);
  return 0;
}
