// One blocking HTTP(S) request for what the SDK does not wrap: /health and /v2/members/leader
// (cluster-health, member list) and the v2 auth API (auth, user and role commands). It goes
// through the SDK's transport, so https endpoints use the --ca-file/--cert-file/--key-file of
// `options` and --username is sent as Basic credentials, as etcdctl v2 does. Any thread; each
// call runs its own io_context.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "coord/options.hpp"
#include "coord/transport.hpp"

namespace coord::examples {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// `method` url + target with `json` as the body (none when empty); nullopt on connection failure
// or timeout (`error`, when given, says why).
std::optional<HttpAnswer> http_call(const ClientOptions& options, const std::string& method, const std::string& url,
                                    const std::string& target, const std::string& json,
                                    std::chrono::milliseconds timeout, std::string* error = nullptr);

// GET url + target ("http://host:port", "/health").
inline std::optional<HttpAnswer> http_get(const ClientOptions& options, const std::string& url,
                                          const std::string& target, std::chrono::milliseconds timeout) {
  return http_call(options, "GET", url, target, "", timeout);
}

}  // namespace coord::examples
