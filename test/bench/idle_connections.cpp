// idle-connections HOST PORT COUNT [PATH]: opens COUNT keep-alive HTTP/1.1 connections to
// HOST:PORT, one after another, sends one GET of PATH (default /v2/keys/) on each and reads its
// answer, then prints "ready COUNT" on stdout and holds every connection open, idle, until it is
// killed. scale.sh runs several of these (a process may hold at most 20,000 descriptors here) and
// reads the server's memory with every connection idle: the cost of an idle client connection.
// Exit status 1 (before "ready") if a connect, send or answer fails.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Reads one HTTP/1.1 answer on fd: the header, then Content-Length bytes of body (coordd and
// etcd both send a Content-Length on a GET of a key). False on EOF, error or a chunked answer.
bool read_answer(int fd) {
  std::string in;
  char buf[16384];
  std::size_t header_end = std::string::npos;
  std::size_t need = 0;
  for (;;) {
    if (header_end != std::string::npos && in.size() >= header_end + 4 + need) return in.starts_with("HTTP/1.1 ");
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    in.append(buf, static_cast<std::size_t>(n));
    if (header_end == std::string::npos && (header_end = in.find("\r\n\r\n")) != std::string::npos) {
      std::string header = in.substr(0, header_end);
      for (char& c : header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto at = header.find("\r\ncontent-length:");
      if (at == std::string::npos) return false;
      need = std::strtoull(header.c_str() + at + 17, nullptr, 10);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: idle-connections HOST PORT COUNT [PATH]\n");
    return 2;
  }
  const char* host = argv[1];
  const int port = std::atoi(argv[2]);
  const int count = std::atoi(argv[3]);
  const std::string path = argc > 4 ? argv[4] : "/v2/keys/";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    std::fprintf(stderr, "idle-connections: HOST must be an IPv4 address\n");
    return 2;
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) + "\r\n\r\n";
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::fprintf(stderr, "idle-connections: connection %d: %s\n", i, std::strerror(errno));
      return 1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size()) || !read_answer(fd)) {
      std::fprintf(stderr, "idle-connections: connection %d: no answer to GET %s\n", i, path.c_str());
      return 1;
    }
    fds.push_back(fd);
  }
  std::printf("ready %d\n", count);
  std::fflush(stdout);
  for (;;) ::pause();  // held until killed; the kernel closes every connection then
}
