// Value types of the coord SDK: the etcd v2 node tree, the answer of every operation, and the
// per-call option structs. Plain data: safe to copy and to move between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace coord {

// One node of the v2 tree: a file (value set) or a directory (dir = true, children in `nodes`
// when the request was recursive or listed the directory).
struct Node {
  std::string key;                   // "/a/b"; empty for the root
  std::optional<std::string> value;  // absent for directories (and for deleted/expired nodes)
  bool dir = false;
  std::uint64_t created_index = 0, modified_index = 0;
  std::optional<std::int64_t> ttl;   // seconds left, when the node has a TTL
  std::string expiration;            // RFC 3339 text as sent by the server, empty without TTL
  std::vector<Node> nodes;
};

// The answer to a keys operation (or one watch event).
struct Response {
  std::string action;  // get, set, create, update, compareAndSwap, delete, compareAndDelete, expire
  Node node;
  std::optional<Node> prev_node;
  std::uint64_t etcd_index = 0;  // X-Etcd-Index (for a waiting watch: the index when it started)
  std::uint64_t raft_index = 0;  // X-Raft-Index (0 when absent)
  std::uint64_t raft_term = 0;   // X-Raft-Term (0 when absent)
  int http_status = 0;
  // True when the first attempt's outcome was unknown (timeout or failure after sending) and
  // the client established success with a quorum read instead of repeating the write. The node
  // then comes from that read and prev_node is absent.
  bool resolved_by_read = false;
};

// One cluster member as listed by /v2/members.
struct Member {
  std::string id;  // lowercase hex
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
};

// Options shared by every call, repeated in each option struct so that designated
// initializers (`GetOptions{.recursive = true}`) keep working.
//   timeout: overrides ClientOptions::request_timeout for this call (whole call, retries
//            included). For watch() the default is no deadline.
//   stop:    requests cancellation of a blocking call from another thread.

struct GetOptions {
  bool recursive = false, sorted = false, quorum = false;
  std::optional<std::chrono::milliseconds> timeout;
  std::stop_token stop;
};

struct SetOptions {
  std::optional<std::chrono::seconds> ttl;
  std::optional<bool> prev_exist;
  std::optional<std::string> prev_value;
  std::optional<std::uint64_t> prev_index;
  bool dir = false;
  std::optional<std::chrono::milliseconds> timeout;
  std::stop_token stop;
};

struct DeleteOptions {
  bool dir = false, recursive = false;
  std::optional<std::string> prev_value;
  std::optional<std::uint64_t> prev_index;
  std::optional<std::chrono::milliseconds> timeout;
  std::stop_token stop;
};

struct WatchOptions {
  std::optional<std::uint64_t> wait_index;
  bool recursive = false;
  std::optional<std::chrono::milliseconds> timeout;
  std::stop_token stop;
};

// Options of calls without their own struct (members, refresh).
struct CallOptions {
  std::optional<std::chrono::milliseconds> timeout;
  std::stop_token stop;
};

}  // namespace coord
