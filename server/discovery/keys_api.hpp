// The part of etcd's v2 keys API that discovery uses, as an interface: read a key or a
// directory, create a key only if it does not exist, and watch a key or directory from an index.
// The protocol (server/discovery/discovery.hpp) is written against this interface so that it is
// unit-tested with a scripted service; KeysClient (server/discovery/keys_client.hpp) is the
// real one, over HTTP.
//
// Thread-safety: plain data; an implementation states its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/common/status.hpp"

namespace coord::discovery {

// One node of a keys API answer ("node" or an element of its "nodes").
struct KeysNode {
  std::string key;    // full path as the service names it, e.g. /_etcd/registry/<token>/<id>
  std::string value;
  bool dir = false;
  std::uint64_t created_index = 0;
  std::uint64_t modified_index = 0;
  std::vector<KeysNode> nodes;  // children of a directory read
};

// One answer of the service, success or keys API error (errorCode / message, as etcd sends them).
struct KeysAnswer {
  int http_status = 0;
  std::uint64_t etcd_index = 0;  // X-Etcd-Index (0 when absent)
  int error_code = 0;            // etcd's errorCode; 0 for a success
  std::string message;           // etcd's message of an error
  std::string action;            // "get", "create", "set", ... of a success
  std::optional<KeysNode> node;
};

// etcd's error codes that discovery tells apart.
inline constexpr int kErrorKeyNotFound = 100;
inline constexpr int kErrorNodeExist = 105;
inline constexpr int kErrorEventIndexCleared = 401;

class KeysApi {
 public:
  virtual ~KeysApi() = default;
  // Each returns the service's answer, or: kUnavailable when the service could not be reached or
  // answered 5xx (worth retrying), kCorruption when it answered something that is not the keys
  // API's JSON (the URL points somewhere else). A keys API error is an answer, not a Status.
  virtual Result<KeysAnswer> get(const std::string& key) = 0;
  // PUT key?prevExist=false value=...: creates the key or answers errorCode 105.
  virtual Result<KeysAnswer> create(const std::string& key, const std::string& value) = 0;
  // GET key?wait=true&waitIndex=N[&recursive=true]: the first change at or after wait_index.
  // kTimeout when nothing happened within the client's long-poll bound (ask again).
  virtual Result<KeysAnswer> watch(const std::string& key, std::uint64_t wait_index, bool recursive) = 0;
};

}  // namespace coord::discovery
