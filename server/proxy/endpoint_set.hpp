// EndpointSet: the members' client URLs a proxy forwards to, each with the time until which it
// is held out after a failed dial. The refresher replaces the list; every request takes a
// snapshot of it (one shared pointer copy, no string copies on the request path).
// Safe for concurrent use: the list is immutable once published; hold-out times are atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace coord::proxy {

// One member's client URL, split for dialing. Only http:// URLs with a numeric host or
// localhost are usable (as the member list gives them).
struct Endpoint {
  std::string url;   // as the member advertises it, e.g. "http://127.0.0.1:2379"
  std::string host;  // "127.0.0.1" ("localhost" mapped to it, IPv6 without brackets)
  std::uint16_t port = 0;
  // Steady-clock nanoseconds until which the endpoint is held out (0: available).
  mutable std::atomic<std::int64_t> held_until_ns{0};

  Endpoint() = default;
  Endpoint(const Endpoint& o) : url(o.url), host(o.host), port(o.port), held_until_ns(o.held_until_ns.load()) {}
};

class EndpointSet {
 public:
  using Clock = std::chrono::steady_clock;
  using List = std::vector<Endpoint>;

  explicit EndpointSet(std::chrono::milliseconds failure_wait);

  // Replaces the list with `urls` (shuffled, as etcd does, so proxies spread over the members).
  // A URL that stays in the list keeps its hold-out time. URLs that do not parse are skipped.
  void replace(const std::vector<std::string>& urls);
  // The current list; entries may be held out (see available()).
  std::shared_ptr<const List> snapshot() const;
  // Whether `e` may be tried at `now`.
  static bool available(const Endpoint& e, Clock::time_point now = Clock::now());
  // Holds `e` out until now + failure wait.
  void mark_failed(const Endpoint& e, Clock::time_point now = Clock::now()) const;
  // How many endpoints are not held out now.
  std::size_t available_count() const;
  // The URLs not held out now, in list order (the answer of /v2/config/local/proxy).
  std::vector<std::string> available_urls() const;

  // "http://host:port" (an advertised URL, coord/endpoint_url.hpp) → Endpoint; false for anything
  // else (https is not dialed).
  static bool parse(const std::string& url, Endpoint& out);

 private:
  // Constant after construction.
  const std::chrono::milliseconds failure_wait_;

  mutable std::mutex mu_;
  std::shared_ptr<const List> list_ = std::make_shared<const List>();  // guarded by mu_
  std::mt19937 shuffle_{std::random_device{}()};                       // guarded by mu_
};

}  // namespace coord::proxy
