// coord::test::ProxyProcess — a coordd started with --proxy in front of a ServerCluster (coordd
// or etcd members), on a free loopback port, with its data directory in its own TempDir so it
// can be restarted on what it recorded. Also raw_request(): one HTTP exchange on a fresh
// connection, never retried (so a test knows exactly what it sent).
//
// Thread-safety: a ProxyProcess belongs to the test's thread; raw_request() is safe from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "test/support/process/process.hpp"
#include "test/support/process/server_cluster.hpp"

namespace coord::test {

class ProxyProcess {
 public:
  // Prepares a proxy (`mode` "on" or "readonly") for `cluster`'s members; `extra` is appended to
  // its command line. Nothing runs until start().
  ProxyProcess(const ServerCluster& cluster, std::string mode, std::vector<std::string> extra = {});

  // Starts (or restarts) the proxy, with `extra` appended this time only (a flag given twice
  // takes its last value), and waits until it accepts connections. False (with the log tail in
  // last_error()) when it exits or never listens.
  bool start(const std::vector<std::string>& extra = {}, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGKILL and reap.
  void kill();
  std::string url() const;
  std::string data_dir() const { return dir_.file("proxy.data"); }
  const std::string& last_error() const { return last_error_; }
  std::string log_tail() const { return process_ ? process_->log_tail() : std::string(); }
  // The member client URLs the proxy would use now, in the order it tries them.
  std::vector<std::string> endpoints();
  // Polls until the proxy lists `n` endpoints or `timeout` passes.
  bool wait_endpoints(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::vector<std::string> argv_;
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
  std::string last_error_;
};

struct RawReply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> header(const std::string& name) const;
};

// One request to `base_url` + `target` on a new connection (closed after). nullopt when the
// connection fails or no complete answer arrives within `timeout`.
std::optional<RawReply> raw_request(const std::string& base_url, const std::string& method, const std::string& target,
                                    const std::string& form_body = {},
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace coord::test
