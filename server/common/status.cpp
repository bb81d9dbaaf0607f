#include "server/common/status.hpp"
#include "server/common/log.hpp"

#include <cstdio>
#include <cstdlib>

namespace coord {

namespace {
const char* code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kIoError: return "io error";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kTimeout: return "timeout";
    case StatusCode::kAborted: return "aborted";
    case StatusCode::kAlreadyExists: return "already exists";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}
}  // namespace

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(code_name(code_)) + ": " + message_;
}

namespace detail {
void check_failed(const char* expr, const char* message, const char* file, int line) {
  log::write(log::Level::kFatal, file, line, "check failed", {{"expression", expr}, {"message", message}});
  std::abort();
}
}  // namespace detail

}  // namespace coord
