// coord::test::ConnectProxy — an HTTP proxy that only tunnels: it answers "CONNECT host:port" with
// 200 and then relays bytes both ways between the client and that target, as the proxy a member
// reaches an https discovery service through. Targets must be on 127.0.0.1 (a test never tunnels
// elsewhere); any other request, or another host, gets 403 and a close. It counts the tunnels it
// opened, so a test can tell the traffic really went through it.
//
// Thread-safety: the accessors are safe from any thread. The proxy runs its own I/O thread; the
// destructor closes every connection and joins it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace coord::test {

class ConnectProxy {
 public:
  ConnectProxy();  // listens on 127.0.0.1:<free port> at once
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  // "127.0.0.1:<port>", as --discovery-proxy takes it.
  std::string address() const;
  std::size_t tunnels() const;   // CONNECTs answered 200 so far
  std::size_t refused() const;   // requests answered 403 so far

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace coord::test
