// Errors thrown by the coord SDK (or handed to async completion handlers as std::exception_ptr).
//   coord::Error          — the server answered with an error: etcd's errorCode, message, cause,
//                           index and the HTTP status (members API errors have error_code 0).
//   coord::TransportError — no usable answer: connection failures, deadlines, cancellation, a
//                           cluster id change, or a write whose outcome could not be established.
// Both derive from std::runtime_error. Immutable after construction; safe to share.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace coord {

// etcd v2 error codes that callers commonly test for.
namespace errc {
inline constexpr int kKeyNotFound = 100;
inline constexpr int kCompareFailed = 101;
inline constexpr int kNotFile = 102;
inline constexpr int kNotDir = 104;
inline constexpr int kNodeExist = 105;
inline constexpr int kRootReadOnly = 107;
inline constexpr int kDirNotEmpty = 108;
inline constexpr int kUnauthorized = 110;
inline constexpr int kRaftInternal = 300;
inline constexpr int kLeaderElect = 301;
inline constexpr int kWatcherCleared = 400;
inline constexpr int kEventIndexCleared = 401;
}  // namespace errc

class Error : public std::runtime_error {
 public:
  Error(int error_code, std::string message, std::string cause, std::uint64_t index, int http_status);

  // etcd's errorCode: 100 key not found, 101 compare failed, 105 exists, ... (0 when the server
  // sent no etcd error body, e.g. the members API).
  int error_code() const { return error_code_; }
  const std::string& message() const { return message_; }
  const std::string& cause() const { return cause_; }
  // The store index at the time of the error (X-Etcd-Index).
  std::uint64_t index() const { return index_; }
  int http_status() const { return http_status_; }

 private:
  int error_code_;
  std::string message_;
  std::string cause_;
  std::uint64_t index_;
  int http_status_;
};

class TransportError : public std::runtime_error {
 public:
  enum class Kind {
    kConnect,            // could not connect (the request was not sent)
    kIo,                 // the connection failed while sending or receiving
    kTimeout,            // the call's deadline passed
    kCancelled,          // cancelled by the caller or by the client's destructor
    kProtocol,           // the answer was not valid HTTP or not valid etcd JSON
    kClusterIdMismatch,  // an endpoint answered with another X-Etcd-Cluster-Id than the first
    kOutcomeUnknown,     // a write may have reached a server, and a quorum read could not confirm it: it
                         // may have applied, may still apply, or never will. Not sent again (see Client)
    kNoEndpoint,         // the endpoint list is empty, or https without TLS support
    kShutdown,           // the client is being destroyed
  };

  TransportError(Kind kind, std::string what, std::string endpoint = {}, std::uint64_t index = 0);
  Kind kind() const { return kind_; }
  // The endpoint of the last attempt (may be empty).
  const std::string& endpoint() const { return endpoint_; }
  // A watch that reached its deadline without an event: the X-Etcd-Index of its answer's header
  // (sent when the server registered the watch), or 0 when no header arrived. No event for the
  // watched key happened from the watch's waitIndex up to this index, so a watch may continue
  // from index + 1 — which keeps a quiet watcher inside the server's event history.
  std::uint64_t index() const { return index_; }

 private:
  Kind kind_;
  std::string endpoint_;
  std::uint64_t index_ = 0;
};

const char* to_string(TransportError::Kind kind);

}  // namespace coord
