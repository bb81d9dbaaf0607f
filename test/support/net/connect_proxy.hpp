// coord::test::ConnectProxy — a minimal HTTP proxy, as the proxy a member reaches its discovery
// service through. It answers "CONNECT 127.0.0.1:port" with 200 and then relays bytes both ways
// between the client and that target; a request with an absolute-form target
// ("GET http://127.0.0.1:port/path") is passed on to that server in origin form, and the
// connection relayed from then on. Targets must be on 127.0.0.1 (a test never goes elsewhere);
// any other request, or another host, gets 403 and a close. Given a certificate it is an https
// proxy: each client connection starts with a TLS handshake and everything above happens inside
// that session. It counts what it did, so a test can tell the traffic really went through it.
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
  ConnectProxy();  // plain TCP; listens on 127.0.0.1:<free port> at once
  // An https proxy serving this certificate (PEM files), e.g. from TestPki.
  ConnectProxy(const std::string& cert_file, const std::string& key_file);
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  // "127.0.0.1:<port>", as --discovery-proxy takes it (an https proxy wants "https://" before it).
  std::string address() const;
  std::size_t tunnels() const;    // CONNECTs answered 200 so far
  std::size_t forwarded() const;  // absolute-form requests passed on so far
  std::size_t refused() const;    // requests answered 403 so far

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace coord::test
