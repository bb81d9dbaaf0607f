// Discovery: etcd's v2 discovery protocol (bootstrapping a new cluster from a token URL with an
// expected size), over a KeysApi (server/discovery/keys_api.hpp).
//
//   <token>/_config/size   the expected number of members, written by whoever made the token
//   <token>/<member id>    one registration per member: "name=peerURL[,name=peerURL...]"
//
// join_cluster() reads the size and the registrations; if the first `size` registrations (by
// creation order) are taken by others, the cluster is full. Otherwise it registers this member
// with a create-only write, then waits, with watches from the index it read at, until `size`
// members are registered, and returns the cluster the first `size` registrations make, as an
// --initial-cluster value. get_cluster() (a proxy) only reads and waits.
//
// A registration of this member already there (a member that registered, then stopped before it
// wrote its data dir) is accepted when it holds exactly this member's value; etcd refuses it
// ("discovery: found duplicate id") and the member cannot start again with that token.
//
// Failures carry etcd's words and are told apart by status code:
//   kFailedPrecondition  "discovery: cluster is full"
//   kAlreadyExists       "discovery: found duplicate id"  (registered with another value)
//   kNotFound            "discovery: size key not found"
//   kCorruption          "discovery: size key is bad", "discovery: bad discovery endpoint"
//   kInvalidArgument     "discovery: invalid URL", "discovery: found duplicate name"
// A service that cannot be reached (or answers 5xx) is asked again after a back-off of 2, 4, 8 ...
// up to 256 seconds, as etcd does, without end.
//
// Thread-safety: one Discovery belongs to one thread (main's, during bootstrap).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "server/discovery/keys_api.hpp"

namespace coord::discovery {

inline const char* const kErrFullCluster = "discovery: cluster is full";

struct DiscoveryOptions {
  std::string token_path;  // the discovery URL's path: keys live under it
  std::uint64_t self_id = 0;  // this member's id (0: a proxy, which never registers)
  // Waits between attempts; a test replaces it to run the back-off without waiting.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Progress lines (found peers, retries); defaults to stderr.
  std::function<void(const std::string&)> log;
};

class Discovery {
 public:
  Discovery(KeysApi& keys, DiscoveryOptions options);

  // Registers this member (`self_value`: "name=peerURL,...") and returns the cluster once it is
  // complete, as "name=peerURL,..." of the first `size` registrations.
  Result<std::string> join_cluster(const std::string& self_value);
  // The cluster of the first `size` registrations, waiting until there are that many (a full
  // cluster is returned as it is).
  Result<std::string> get_cluster();

  // The back-off before retry number `retry` (1, 2, ...): 2^retry seconds, at most 2^8.
  static std::chrono::milliseconds backoff(unsigned retry);

 private:
  struct Registrations {
    std::vector<KeysNode> nodes;  // by creation order, the _config directory left out
    std::uint64_t size = 0;
    std::uint64_t index = 0;      // the service's index when read: watches start after it
    bool full = false;            // the first `size` are others: this member cannot join
  };

  Result<Registrations> check_cluster();
  Status create_self(const std::string& value);
  Result<std::vector<KeysNode>> wait_nodes(Registrations registrations);
  void back_off(const std::string& step, const Status& why);
  std::string self_key() const;
  std::string self_name() const;

  KeysApi& keys_;
  DiscoveryOptions options_;
  unsigned retries_ = 0;
};

// The --initial-cluster value of registrations `nodes` (each "name=peerURL,..."), checked as etcd
// checks it: every URL valid ("discovery: invalid URL"), exactly `size` names ("discovery: found
// duplicate name").
Result<std::string> nodes_to_cluster(const std::vector<KeysNode>& nodes, std::uint64_t size);

}  // namespace coord::discovery
