#include "coord/error.hpp"

#include "coord/transport.hpp"

namespace coord {

namespace {
std::string describe(int code, const std::string& message, const std::string& cause, std::uint64_t index,
                     int status) {
  std::string s = "etcd error " + std::to_string(code) + " (HTTP " + std::to_string(status) + "): " + message;
  if (!cause.empty()) s += " [" + cause + "]";
  s += " at index " + std::to_string(index);
  return s;
}
}  // namespace

Error::Error(int error_code, std::string message, std::string cause, std::uint64_t index, int http_status)
    : std::runtime_error(describe(error_code, message, cause, index, http_status)),
      error_code_(error_code),
      message_(std::move(message)),
      cause_(std::move(cause)),
      index_(index),
      http_status_(http_status) {}

TransportError::TransportError(Kind kind, std::string what, std::string endpoint, std::uint64_t index)
    : std::runtime_error(std::string(to_string(kind)) + ": " + what + (endpoint.empty() ? "" : " (" + endpoint + ")")),
      kind_(kind),
      endpoint_(std::move(endpoint)),
      index_(index) {}

const char* to_string(TransportError::Kind kind) {
  switch (kind) {
    case TransportError::Kind::kConnect: return "connect failed";
    case TransportError::Kind::kIo: return "connection failed";
    case TransportError::Kind::kTimeout: return "deadline exceeded";
    case TransportError::Kind::kCancelled: return "cancelled";
    case TransportError::Kind::kProtocol: return "protocol error";
    case TransportError::Kind::kClusterIdMismatch: return "cluster id mismatch";
    case TransportError::Kind::kOutcomeUnknown: return "outcome unknown";
    case TransportError::Kind::kNoEndpoint: return "no usable endpoint";
    case TransportError::Kind::kShutdown: return "client shut down";
  }
  return "transport error";
}

const std::string& HttpResponse::header(const std::string& name) const {
  static const std::string empty;
  auto it = headers.find(name);
  return it == headers.end() ? empty : it->second;
}

}  // namespace coord
