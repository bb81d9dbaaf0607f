#include "test/support/net/raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace coord::test {

namespace {

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

int millis_left(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long>(0, left.count()));
}

}  // namespace

RawConnection::RawConnection(const std::string& url, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_of(url)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    throw std::runtime_error("connect to " + url + " failed");
  }
}

RawConnection::~RawConnection() { ::close(fd_); }

bool RawConnection::send(const std::string& data, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t off = 0;
  while (off < data.size()) {
    const auto n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      const int left = millis_left(deadline);
      if (left == 0 || ::poll(&p, 1, left) <= 0) return false;  // still full at the deadline
      continue;
    }
    return false;  // closed or reset by the server
  }
  return true;
}

template <class Done>
std::string RawConnection::read_until_done(Done done, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (!done(out)) {
    const int left = millis_left(deadline);
    if (left == 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) break;
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string RawConnection::read_all(std::chrono::milliseconds timeout) {
  return read_until_done([](const std::string&) { return false; }, timeout);
}

std::string RawConnection::read_until(const std::string& needle, int count, std::chrono::milliseconds timeout) {
  return read_until_done(
      [&](const std::string& out) {
        int n = 0;
        for (auto at = out.find(needle); at != std::string::npos; at = out.find(needle, at + 1)) ++n;
        return n >= count;
      },
      timeout);
}

std::string RawConnection::read_answer(std::chrono::milliseconds timeout) {
  return read_until_done(
      [](const std::string& out) {
        const auto end_of_head = out.find("\r\n\r\n");
        if (end_of_head == std::string::npos) return false;
        const auto length_at = out.find("Content-Length: ");
        if (length_at == std::string::npos || length_at > end_of_head) return true;
        const std::size_t length = std::strtoull(out.c_str() + length_at + 16, nullptr, 10);
        return out.size() >= end_of_head + 4 + length;
      },
      timeout);
}

int RawConnection::local_port() const {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  return ntohs(addr.sin_port);
}

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

}  // namespace coord::test
