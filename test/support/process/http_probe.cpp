// A deliberately tiny HTTP client: non-blocking connect with poll() so a dead or frozen server
// costs at most `timeout`, "Connection: close" so the reply ends at EOF and no body framing has
// to be parsed beyond Content-Length/chunked being ignored (probes only read small bodies).
#include "test/support/process/http_probe.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace coord::test {
namespace {

using Clock = std::chrono::steady_clock;

struct Url {
  std::string host;
  int port = 0;
  std::string path;
};

std::optional<Url> parse_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  auto rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  Url out;
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  out.host = hostport.substr(0, colon);
  out.port = std::atoi(hostport.substr(colon + 1).c_str());
  return out;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool wait_fd(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, remaining_ms(deadline));
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

int connect_with_deadline(const Url& url, Clock::time_point deadline) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(url.port));
  if (::inet_pton(AF_INET, url.host == "localhost" ? "127.0.0.1" : url.host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = 0;
    socklen_t len = sizeof err;
    if (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline) ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

bool send_all(int fd, const std::string& data, Clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    if (!wait_fd(fd, POLLOUT, deadline)) return false;
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<HttpReply> parse_reply(const std::string& raw) {
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return std::nullopt;
  HttpReply reply;
  reply.status = std::atoi(raw.substr(9, 3).c_str());
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  reply.body = raw.substr(end + 4);
  return reply;
}

}  // namespace

std::optional<HttpReply> http_get(const std::string& url, std::chrono::milliseconds timeout) {
  return http_request("GET", url, "", timeout);
}

std::optional<HttpReply> http_request(const std::string& method, const std::string& url, const std::string& form,
                                      std::chrono::milliseconds timeout, bool* sent) {
  if (sent != nullptr) *sent = false;
  auto parsed = parse_url(url);
  if (!parsed) return std::nullopt;
  auto deadline = Clock::now() + timeout;
  int fd = connect_with_deadline(*parsed, deadline);
  if (fd < 0) return std::nullopt;
  std::string request = method + " " + parsed->path + " HTTP/1.1\r\nHost: " + parsed->host + ":" +
                        std::to_string(parsed->port) + "\r\nConnection: close\r\n";
  if (!form.empty() || method == "PUT" || method == "POST") {
    request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form.size()) +
               "\r\n";
  }
  request += "\r\n";
  request += form;
  std::string raw;
  bool complete = false;
  // A connected socket may have taken bytes even when send_all fails midway: count it as sent.
  if (sent != nullptr) *sent = true;
  if (send_all(fd, request, deadline)) {
    char buf[4096];
    while (wait_fd(fd, POLLIN, deadline)) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        complete = n == 0;
        break;
      }
      raw.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!complete) return std::nullopt;
  return parse_reply(raw);
}

bool wait_http_ready(const std::string& base_url, Clock::time_point deadline) {
  // Invariant: every round is bounded by the probe timeout, and the loop ends at the deadline.
  while (Clock::now() < deadline) {
    auto reply = http_get(base_url + "/health", std::chrono::milliseconds(300));
    if (reply && reply->status == 200) return true;
    if (reply && reply->status == 404) {  // no /health: accept /version
      auto version = http_get(base_url + "/version", std::chrono::milliseconds(300));
      if (version && version->status == 200) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::optional<int> store_watchers(const std::string& base_url, std::chrono::milliseconds timeout) {
  auto r = http_get(base_url + "/v2/stats/store", timeout);
  if (!r || r->status != 200) return std::nullopt;
  const std::string field = "\"watchers\":";
  const auto at = r->body.find(field);
  if (at == std::string::npos) return std::nullopt;
  return std::atoi(r->body.c_str() + at + field.size());
}

bool wait_tcp_ready(const std::string& url, Clock::time_point deadline) {
  auto parsed = parse_url(url);
  if (!parsed) return false;
  while (Clock::now() < deadline) {
    int fd = connect_with_deadline(*parsed, std::min(deadline, Clock::now() + std::chrono::milliseconds(300)));
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace coord::test
