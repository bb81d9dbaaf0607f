// coord::test::RawConnection — a raw loopback TCP connection for tests that send exact bytes
// (malformed or hostile requests) and read whatever comes back, byte for byte, with bounded
// waits. Blocking calls never wait past their timeout.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <string>

namespace coord::test {

class RawConnection {
 public:
  // Connects to 127.0.0.1 at `url`'s port ("http://127.0.0.1:PORT" or "host:port"). With
  // `receive_buffer` > 0, SO_RCVBUF is set first (a client that reads little holds little).
  // Throws std::runtime_error when the connection fails.
  explicit RawConnection(const std::string& url, int receive_buffer = 0);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends all of `data` unless the peer closes the connection or `timeout` passes with the
  // socket full; returns whether everything went. The server may close early; callers check
  // the answer.
  bool send(const std::string& data, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Everything the server sends until it closes the connection or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until what arrived holds `needle` `count` times, the connection closes or `timeout`
  // passes; returns everything read.
  std::string read_until(const std::string& needle, int count,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // One complete answer with a Content-Length (head and body), or what arrived by `timeout`.
  std::string read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True once a read saw the end of the stream or a reset.
  bool closed() const { return closed_; }
  // The local port of this connection (the server sees it as the remote port).
  int local_port() const;

 private:
  template <class Done>
  std::string read_until_done(Done done, std::chrono::milliseconds timeout);

  int fd_ = -1;
  bool closed_ = false;
};

// The status line of an HTTP answer ("HTTP/1.1 200 OK").
std::string status_line(const std::string& response);

}  // namespace coord::test
