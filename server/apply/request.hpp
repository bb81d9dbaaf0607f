// Request: one v2 write (or linearizable read) as it travels through the Raft log.
// Built by the member that received the HTTP request (which turns a ttl into an absolute
// expiration with its own clock), encoded into an Entry's data, and applied in log order on every
// member. The encoding is versioned; see request_codec.hpp. Plain value; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/common/clock.hpp"

namespace coord::apply {

enum class Method : std::uint8_t {
  kPut = 1,     // set / create / update / compareAndSwap, chosen by the conditions below
  kPost = 2,    // create in order: <path>/<20-digit new index>
  kDelete = 3,  // delete / compareAndDelete
  kQGet = 4,    // quorum GET when not served by ReadIndex (kept for compatibility; get via log)
  kSync = 5,    // expire every node whose expiration <= time
  // Membership (etcd's internal /0 tree): each moves the etcd index like a write.
  kMemberAdd = 6,       // member_id, name, peer_urls, client_urls
  kMemberRemove = 7,    // member_id
  kMemberUpdate = 8,    // member_id, peer_urls
  kMemberPublish = 9,   // member_id, name, client_urls (a member announcing itself)
  kClusterVersion = 10, // value = the cluster version, e.g. "3.4.0"
  kAuth = 11,           // value = an auth::AuthOp (server/auth/auth_codec.hpp), hashes included
};

struct Request {
  Method method = Method::kPut;
  std::uint64_t id = 0;                    // proposer-unique id, to match the answer to its waiter
  std::string path;                        // user key, cleaned: "/a/b" ("/" for the root)
  std::string value;
  bool dir = false;
  bool recursive = false;
  bool sorted = false;                     // kQGet only
  std::optional<bool> prev_exist;
  std::optional<std::string> prev_value;   // present means "compare"; never empty (checked in http)
  std::uint64_t prev_index = 0;            // 0 means "no condition"
  std::optional<UnixNanos> expiration;     // absent means permanent
  bool refresh = false;
  UnixNanos time = 0;                      // proposer's wall clock: the "now" for ttl in the answer
                                           // and, for kSync, the expiry cut-off

  // Membership methods only.
  std::uint64_t member_id = 0;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;

  friend bool operator==(const Request&, const Request&) = default;
};

}  // namespace coord::apply
