// coord::test::FakeTransport — a scripted stand-in for the client's HTTP transport. Each request
// is recorded and handed to a responder function that returns the result at once, or nothing to
// hold the request until the test completes it (or the client cancels it). Lets unit tests drive
// retries, failover, ambiguous writes and cancellation deterministically, without sockets.
//
// Thread-safety: safe for concurrent use (the client calls it on its threads, the test on its own).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coord/client.hpp"
#include "coord/transport.hpp"

namespace coord::test {

struct SentRequest {
  std::string endpoint;
  HttpRequest request;
  Transport::Deadline deadline;
};

class FakeTransport : public Transport {
 public:
  using Responder = std::function<std::optional<TransportResult>(const std::string& endpoint, const HttpRequest&)>;

  explicit FakeTransport(Responder responder = {}) : responder_(std::move(responder)) {}

  void set_responder(Responder responder);

  std::function<void()> send(const std::string& endpoint, HttpRequest request, Deadline deadline,
                             Callback done) override;
  bool supports(const std::string& endpoint) const override { return endpoint.rfind("http://", 0) == 0; }
  void shutdown() override;

  std::vector<SentRequest> sent() const;
  std::size_t held() const;
  // Waits (bounded) until at least `n` requests are held; false on timeout.
  bool wait_held(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Waits (bounded) until at least `n` requests were sent; false on timeout.
  bool wait_sent(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Completes the oldest held request with `result`. False when none is held.
  bool complete_oldest(TransportResult result);
  // Completes the oldest held request as a real transport does when its deadline passes
  // (kTimeout, maybe sent). Lets tests pass time without sleeping.
  bool expire_oldest();
  bool shut_down() const;
  // Waits (bounded) until the client shut the transport down; false on timeout.
  bool wait_shut_down(std::chrono::milliseconds timeout);

  // Client options whose transport is `fake` and whose retry backoff is short and seeded.
  static ClientOptions options(std::shared_ptr<FakeTransport> fake,
                               std::vector<std::string> endpoints = {"http://a:1", "http://b:2", "http://c:3"});

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Responder responder_;                               // guarded by mu_
  std::vector<SentRequest> sent_;                     // guarded by mu_
  std::map<std::uint64_t, Callback> held_;            // guarded by mu_; by arrival
  std::uint64_t next_id_ = 0;                         // guarded by mu_
  bool shut_down_ = false;                            // guarded by mu_
};

// Builders for results.
TransportResult answer(int status, std::string body, std::uint64_t etcd_index = 10,
                       std::string cluster_id = "c1");
TransportResult failure(TransportResult::Status status, bool maybe_sent);
// A keys success body {"action":...,"node":{"key":...,"value":...,"modifiedIndex":i,"createdIndex":i}}.
std::string event_body(const std::string& action, const std::string& key, const std::string& value, std::uint64_t index);
std::string error_body(int code, const std::string& message, const std::string& cause, std::uint64_t index);

}  // namespace coord::test
