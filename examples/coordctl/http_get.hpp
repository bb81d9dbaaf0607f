// A one-shot plain-HTTP GET for the few endpoints the SDK does not wrap (/health,
// /v2/members/leader), used by coordctl's cluster-health and member list. Blocking; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace coord::examples {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// GET url + target ("http://host:port", "/health"); nullopt on connection failure or timeout.
std::optional<HttpAnswer> http_get(const std::string& url, const std::string& target, std::chrono::milliseconds timeout);

}  // namespace coord::examples
