// coord::test::TcpRelay — a loopback TCP relay that stands between one client and one server
// for fault tests. It listens on 127.0.0.1:<free port> and forwards every accepted connection to
// the target, byte for byte, in both directions. The test can
//   - freeze():  nothing passes any more in either direction; connections stay open and new ones
//                are still accepted (a partition or a paused peer, as seen from the other side);
//   - freeze_replies(): only the server-to-client direction stops (requests still arrive and
//                apply; their answers are held: "the write happened but the reply was lost");
//   - thaw():    what was held passes, in order, and forwarding resumes;
//   - set_delay(d): every chunk waits d before it is forwarded (a slow network);
//   - cut():     every open connection is closed at once (both sides); new ones still work.
// Each control call returns after the relay applied it: after freeze() returns, no chunk is
// forwarded until thaw() (a write already handed to the socket before may still complete).
//
// Thread-safety: the control calls and the accessors are safe from any thread. The relay runs
// its own I/O thread; the destructor closes everything and joins it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace coord::test {

class TcpRelay {
 public:
  // Starts listening at once. `target_url` is "http://host:port" (or "host:port").
  explicit TcpRelay(const std::string& target_url);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>": use it as the client's endpoint.
  std::string url() const;

  void freeze();
  void freeze_replies();
  void thaw();
  void set_delay(std::chrono::milliseconds delay);
  void cut();

  // Connections open now, and accepted so far.
  std::size_t open_connections() const;
  std::size_t accepted() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace coord::test
