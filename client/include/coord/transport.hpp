// The transport seam of coord::Client: sends one HTTP request to one endpoint and reports what
// happened. The client does endpoint choice, retries and parsing; a transport only moves bytes.
// Tests replace it with a fake (ClientOptions::transport_factory).
//
// Thread-safety: implementations must accept send() and the returned cancel function from any
// thread, concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "coord/options.hpp"

namespace coord {

struct HttpRequest {
  std::string method;        // GET, PUT, POST, DELETE
  std::string target;        // "/v2/keys/a?recursive=true"
  std::string body;          // form-encoded parameters or JSON
  std::string content_type;  // empty when there is no body
  std::string authorization; // "Basic ..." or empty
  bool long_poll = false;    // a watch: use the separate long-poll pool
};

// The value of HttpRequest::authorization for v2 auth's credentials: "Basic " and the base64 of
// "username:password" (RFC 7617).
std::string basic_authorization(std::string_view username, std::string_view password);

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lowercase
  std::string body;

  // The header's value, or "" when absent. `name` must be lowercase.
  const std::string& header(const std::string& name) const;
};

struct TransportResult {
  enum class Status { kOk, kConnectFailed, kIoError, kTimeout, kCancelled };
  Status status = Status::kOk;
  // Whether the request may have reached the server (false only when it certainly did not).
  bool maybe_sent = false;
  std::string detail;        // human-readable cause of a failure
  HttpResponse response;     // valid when status == kOk
};

class Transport {
 public:
  using Callback = std::function<void(TransportResult)>;
  using Deadline = std::chrono::steady_clock::time_point;

  virtual ~Transport() = default;
  // Sends `request` to `endpoint` ("http://host:port") and calls `done` exactly once, from any
  // thread, no later than shortly after `deadline`. Returns a function that cancels the request
  // (done then gets kCancelled unless it already ran); calling it later is harmless.
  virtual std::function<void()> send(const std::string& endpoint, HttpRequest request,
                                     Deadline deadline, Callback done) = 0;
  // Whether this transport can talk to `endpoint` (e.g. https needs TLS support).
  virtual bool supports(const std::string& endpoint) const = 0;
  // Closes idle connections and cancels everything in flight. Called by the client's destructor.
  virtual void shutdown() = 0;
};

// Plain HTTP/1.1 over Beast with two keep-alive pools (calls and long polls).
std::shared_ptr<Transport> make_http_transport(boost::asio::any_io_executor executor,
                                               const ClientOptions& options);

}  // namespace coord
