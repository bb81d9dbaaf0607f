// Status and Result<T>: how errors cross module boundaries inside the server (the project's style).
// Value types; safe to copy between threads. Nothing in the server throws across a module edge.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "server/common/check.hpp"

namespace coord {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // caller passed something malformed (bad encoding, bad flag)
  kNotFound,         // a file, entry or member that should exist does not
  kCorruption,       // on-disk or on-wire bytes fail their checksum or framing
  kIoError,          // the operating system refused a file or socket operation
  kUnavailable,      // try again later: no leader, queue full, shutting down
  kTimeout,          // a deadline passed
  kAborted,          // the operation was cancelled or superseded
  kAlreadyExists,    // what the caller asked to create (a member, a peer URL) is there already
  kFailedPrecondition,  // the state does not allow the operation (e.g. a member permanently removed)
  kInternal,         // a bug: an invariant did not hold
};

// A success or an error code with a human-readable message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: bad crc at offset 42" — for logs and error causes.
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a T or a non-ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {                   // NOLINT: implicit by design
    COORD_CHECK(!std::get<Status>(v_).is_ok(), "Result built from an ok Status");
  }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { COORD_CHECK(is_ok(), "value() on an error Result"); return std::get<0>(v_); }
  const T& value() const& { COORD_CHECK(is_ok(), "value() on an error Result"); return std::get<0>(v_); }
  T&& value() && { COORD_CHECK(is_ok(), "value() on an error Result"); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace coord

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define COORD_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::coord::Status coord_status_ = (expr);      \
    if (!coord_status_.is_ok()) return coord_status_; \
  } while (0)
