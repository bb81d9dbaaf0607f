// Minimal blocking HTTP/1.1 GET over POSIX sockets for test harnesses: readiness probes and
// leader lookup. Independent of the client SDK and of Asio so that server tests can use it.
//
// Thread-safety: free functions without shared state; safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace coord::test {

struct HttpReply {
  int status = 0;
  std::string body;
};

// GET `url` ("http://127.0.0.1:PORT/path"), connection closed after the reply. Returns nullopt
// when the connection fails or no complete reply arrives within `timeout`.
std::optional<HttpReply> http_get(const std::string& url,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

// `method` `url` with `form` (application/x-www-form-urlencoded, omitted when empty) as the body.
// Returns nullopt like http_get; then *sent (when given) says whether any byte of the request
// left, which is what decides if the request may have reached the server (its outcome unknown)
// or certainly did not (connection refused or timed out).
std::optional<HttpReply> http_request(const std::string& method, const std::string& url, const std::string& form,
                                      std::chrono::milliseconds timeout, bool* sent = nullptr);

// The "watchers" figure of `base_url` + "/v2/stats/store" (watchers registered on the member),
// or nullopt when the page cannot be fetched or lacks it.
std::optional<int> store_watchers(const std::string& base_url,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Polls `base_url` + "/health" (and "/version" as a fallback for servers without /health) with
// short connects until one answers 200 or `deadline` passes. Returns whether it became ready.
// This is a bounded wait on a condition, never a fixed sleep.
bool wait_http_ready(const std::string& base_url, std::chrono::steady_clock::time_point deadline);

// Polls until a TCP connection to `url`'s host:port is accepted (any scheme: used for https
// listeners, which this prober cannot speak to) or `deadline` passes.
bool wait_tcp_ready(const std::string& url, std::chrono::steady_clock::time_point deadline);

}  // namespace coord::test
