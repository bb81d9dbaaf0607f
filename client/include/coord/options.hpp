// Configuration of a coord::Client. Plain data, copied into the client at construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace coord {

class Transport;

// Backoff between retries: attempt n (0-based, counted in full passes over the endpoint list)
// waits a random time in [d/2, d] with d = min(max_delay, initial_delay * 2^n) — capped and
// jittered so that many clients do not retry in lockstep.
struct RetryPolicy {
  std::chrono::milliseconds initial_delay{50};
  std::chrono::milliseconds max_delay{2000};
  int max_attempts = 30;           // attempts per call, the first included (the deadline also ends retries)
  std::uint64_t seed = 0;          // jitter seed; 0 picks one from std::random_device
};

// TLS for https:// endpoints (needs coord/tls.hpp's transport; see there).
struct TlsOptions {
  std::string ca_file;    // PEM bundle to verify the server; empty: the system default paths
  std::string cert_file;  // client certificate (PEM) for client-certificate auth; optional
  std::string key_file;   // its private key (PEM)
  bool verify_peer = true;
};

struct ClientOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379", "https://...", "127.0.0.1:2379" (coord/endpoint_url.hpp)
  std::chrono::milliseconds request_timeout{5000};  // default deadline of a whole call
  std::chrono::milliseconds connect_timeout{1000};  // one connection attempt
  // One attempt (send + answer) of a non-watch call. A member that accepts connections but does
  // not answer (frozen, partitioned) costs this much, then the call moves to the next endpoint
  // (a write first resolves what happened with a quorum read). Watches use their own poll timeout.
  std::chrono::milliseconds attempt_timeout{2000};
  RetryPolicy retry;
  TlsOptions tls;
  // HTTP basic auth (etcd v2 auth). Sent with every request when username is not empty.
  std::string username, password;
  // Ask /v2/members for the other members' client URLs at construction and add them.
  bool discover_endpoints = false;
  // Keep-alive pools: idle connections kept per endpoint, and for how long.
  std::size_t max_idle_per_endpoint = 64;  // enough for many calls in flight without reconnects
  std::size_t max_idle_watch_per_endpoint = 16;
  std::chrono::milliseconds idle_timeout{30000};
  // Threads running the client's internal io_context (network, timers, completions).
  int io_threads = 1;
  // Injectable transport (tests use a fake). Default: plain HTTP over Beast.
  std::function<std::shared_ptr<Transport>(boost::asio::any_io_executor, const ClientOptions&)> transport_factory;
};

}  // namespace coord
