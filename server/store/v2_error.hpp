// etcd v2 error codes, their messages and HTTP statuses, exactly as etcd 3.4 answers them
// (etcd 3.4's v2 API). Used by the store (which raises them), by apply (which
// carries them in responses) and by http (which writes {"errorCode","message","cause","index"}).
// Plain values; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coord::store {

enum V2ErrorCode : int {
  kEcodeKeyNotFound = 100,
  kEcodeTestFailed = 101,
  kEcodeNotFile = 102,
  kEcodeNotDir = 104,
  kEcodeNodeExist = 105,
  kEcodeRootROnly = 107,
  kEcodeDirNotEmpty = 108,
  kEcodeUnauthorized = 110,

  kEcodePrevValueRequired = 201,
  kEcodeTTLNaN = 202,
  kEcodeIndexNaN = 203,
  kEcodeInvalidField = 209,
  kEcodeInvalidForm = 210,
  kEcodeRefreshValue = 211,
  kEcodeRefreshTTLRequired = 212,

  kEcodeRaftInternal = 300,
  kEcodeLeaderElect = 301,

  kEcodeWatcherCleared = 400,
  kEcodeEventIndexCleared = 401,
};

// An error answer of the v2 API. `cause` may be empty (then it is left out of the JSON).
struct V2Error {
  int code = 0;
  std::string cause;
  std::uint64_t index = 0;  // the store's etcd index when the error was raised (0 for parse errors)

  // etcd's fixed message for `code`, e.g. "Key not found".
  std::string_view message() const;
  // The HTTP status etcd sends with `code` (404, 412, 403, 400, 401, 500).
  int http_status() const;

  friend bool operator==(const V2Error&, const V2Error&) = default;
};

std::string_view v2_error_message(int code);
int v2_error_http_status(int code);

}  // namespace coord::store
