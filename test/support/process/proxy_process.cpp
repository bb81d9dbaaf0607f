#include "test/support/process/proxy_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <strings.h>
#include <thread>

#include "test/support/process/http_probe.hpp"

namespace coord::test {

ProxyProcess::ProxyProcess(const ServerCluster& cluster, std::string mode, std::vector<std::string> extra)
    : dir_("coord-proxy"), port_(free_port()) {
  std::string initial_cluster;
  for (int i = 0; i < cluster.size(); ++i)
    initial_cluster += (i ? "," : "") + std::string("m") + std::to_string(i) + "=" + cluster.peer_url(i);
  const char* coordd = std::getenv("COORDD");
  argv_ = {coordd ? coordd : "coordd", "--proxy", mode, "--name", "proxy", "--data-dir", data_dir(),
           "--listen-client-urls", url(), "--initial-cluster", initial_cluster};
  argv_.insert(argv_.end(), extra.begin(), extra.end());
}

std::string ProxyProcess::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool ProxyProcess::start(const std::vector<std::string>& extra, std::chrono::milliseconds timeout) {
  process_.reset();
  auto argv = argv_;
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Process>(argv, dir_.file("proxy.log"));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) break;
    if (wait_tcp_ready(url(), std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200))))
      return true;
  }
  last_error_ = "the proxy did not start; log tail:\n" + process_->log_tail();
  return false;
}

void ProxyProcess::kill() {
  if (process_) process_->terminate(std::chrono::milliseconds(0));
}

std::vector<std::string> ProxyProcess::endpoints() {
  std::vector<std::string> out;
  auto reply = http_get(url() + "/v2/config/local/proxy", std::chrono::seconds(2));
  if (!reply || reply->status != 200) return out;
  const std::string& b = reply->body;
  for (auto at = b.find("\"http"); at != std::string::npos; at = b.find("\"http", at + 1))
    out.push_back(b.substr(at + 1, b.find('"', at + 1) - at - 1));
  return out;
}

bool ProxyProcess::wait_endpoints(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (endpoints().size() == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval of a bounded wait
  }
  return false;
}

std::optional<std::string> RawReply::header(const std::string& name) const {
  for (const auto& [n, v] : headers)
    if (::strcasecmp(n.c_str(), name.c_str()) == 0) return v;
  return std::nullopt;
}

namespace {

// Decodes a chunked body; false while it is incomplete.
bool dechunk(const std::string& raw, std::string& out) {
  out.clear();
  std::size_t at = 0;
  while (true) {
    const auto eol = raw.find("\r\n", at);
    if (eol == std::string::npos) return false;
    const std::size_t size = std::strtoul(raw.substr(at, eol - at).c_str(), nullptr, 16);
    if (size == 0) return raw.find("\r\n", eol + 2) != std::string::npos;
    if (raw.size() < eol + 2 + size + 2) return false;
    out += raw.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
}

}  // namespace

std::optional<RawReply> raw_request(const std::string& base_url, const std::string& method, const std::string& target,
                                    const std::string& form_body, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(base_url.substr(base_url.rfind(':') + 1))));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::nullopt;
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!form_body.empty() || method == "POST" || method == "PUT")
    request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form_body.size()) + "\r\n";
  request += "\r\n" + form_body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string raw;
  char buf[16384];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    if (n > 0) raw.append(buf, static_cast<std::size_t>(n));
    const auto head_end = raw.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      if (n == 0) return std::nullopt;
      continue;
    }
    RawReply reply;
    reply.status = std::atoi(raw.c_str() + 9);
    std::size_t at = raw.find("\r\n") + 2;
    std::optional<std::size_t> length;
    bool chunked = false;
    while (at < head_end) {
      const auto eol = raw.find("\r\n", at);
      const auto line = raw.substr(at, eol - at);
      const auto colon = line.find(':');
      std::string name = line.substr(0, colon), value = line.substr(colon + 2);
      if (::strcasecmp(name.c_str(), "Content-Length") == 0) length = std::stoul(value);
      if (::strcasecmp(name.c_str(), "Transfer-Encoding") == 0 && value == "chunked") chunked = true;
      reply.headers.emplace_back(std::move(name), std::move(value));
      at = eol + 2;
    }
    const std::string rest = raw.substr(head_end + 4);
    if (method == "HEAD") return reply;  // a length, but no body
    if (chunked) {
      if (dechunk(rest, reply.body)) return reply;
    } else if (length) {
      if (rest.size() >= *length) {
        reply.body = rest.substr(0, *length);
        return reply;
      }
    } else if (n == 0) {
      reply.body = rest;
      return reply;
    }
    if (n == 0) return std::nullopt;  // closed before the answer was complete
  }
}

}  // namespace coord::test
