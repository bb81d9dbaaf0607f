// The JSON bodies of the client API, byte for byte as etcd 3.4 writes them (etcd 3.4's v2 API,
// §7, §8, §9): keys events and errors, members, stats, version, health, plus the /machines text.
// Written straight into a caller-owned std::string (no DOM).
// Each function says whether etcd ends that body with "\n" (Go's json.Encoder does; Marshal
// followed by Write does not). Pure functions and plain values; safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "server/common/clock.hpp"
#include "server/common/duration_histogram.hpp"
#include "server/common/version.hpp"
#include "server/node/peer_activity.hpp"
#include "server/store/event.hpp"
#include "server/store/store_stats.hpp"
#include "server/store/v2_error.hpp"

namespace coord::http {

// ------------------------------------------------------------------ keys

// One node: fields in the order key, value, dir, expiration, ttl, nodes, modifiedIndex,
// createdIndex. key is left out when empty (the root), value when absent (dirs, deleted
// nodes) but written for files even when "", dir only when true, expiration when absent,
// ttl when 0, nodes when empty, each index when 0. No trailing newline.
void append_node_json(std::string& out, const store::NodeExtern& node);

// An event: {"action":...,"node":{...},"prevNode":{...}} + "\n" (prevNode only when present;
// the refresh flag is never written). Used for keys answers and for each watch event.
void append_event_json(std::string& out, const store::Event& event);

// A GET's answer written straight from the store's tree (Store::get_into, under its read lock):
// the same bytes as append_event_json of the event Store::get returns,
// {"action":"get","node":{...}} + "\n", without the NodeExtern tree in between. Pass it to
// get_into, then call finish() when that succeeded. Not thread-safe; one answer per writer.
class GetJsonWriter final : public store::ListingSink {
 public:
  explicit GetJsonWriter(std::string& out) : out_(out) {}
  void begin(const store::NodeView& node, std::size_t listed_children) override;
  void end(const store::NodeView& node) override;
  // Closes the event. Invariant: every begun node has ended.
  void finish();

 private:
  // What a node's fields other than its value take at most (key aside), rounded up.
  static constexpr std::size_t kNodeFieldsBytes = 256;
  // The most reserve_for_siblings() reserves at once.
  static constexpr std::size_t kMaxSiblingReserveBytes = 64u << 20;
  struct Frame {
    std::size_t children;     // listed children: > 0 when its "nodes" array is open
    std::size_t written;      // children begun so far (a comma goes before each but the first)
    std::size_t array_start;  // out_.size() where its first child begins
    bool head_first;          // no field written by the head (for the tail's first comma)
  };
  // Called as the second child of `parent` begins: reserves for the remaining ones.
  void reserve_for_siblings(const Frame& parent);
  std::string& out_;
  // The begun nodes not ended yet, outermost first; inline for kInlineFrames levels, so that
  // a GET of a key or a shallow directory allocates nothing here.
  static constexpr std::size_t kInlineFrames = 4;
  boost::container::small_vector<Frame, kInlineFrames> frames_;
};

// The noValueOnSuccess answer: {"action":"set"} + "\n".
void append_action_only_json(std::string& out, std::string_view action);

// An etcd error: {"errorCode":N,"message":"...","cause":"...","index":N} + "\n"; cause is left
// out when empty.
void append_error_json(std::string& out, const store::V2Error& error);

// ------------------------------------------------------------------ members, machines

// A member as the members API shows it.
struct MemberView {
  std::uint64_t id = 0;                  // written as lowercase hex without leading zeros
  std::string name;                      // "" for a member added but not started yet
  std::vector<std::string> peer_urls;    // written as [] when empty
  std::vector<std::string> client_urls;  // written as [] when empty
};

// One member object (POST /v2/members, GET /v2/members/leader) + "\n".
void append_member_json(std::string& out, const MemberView& member);

// {"members":[...]} + "\n", sorted by numeric member id as etcd does.
void append_members_json(std::string& out, const std::vector<MemberView>& members);

// GET /v2/machines: every member's client URLs, sorted, joined by ", " (text/plain, no newline).
void append_machines_text(std::string& out, const std::vector<MemberView>& members);

// {"message":"..."} with no newline: the error body of the members and stats endpoints
// ("Not found", "not current leader", "During election", ...).
void append_message_json(std::string& out, std::string_view message);

// ------------------------------------------------------------------ version, health

// What /version says before the members agree on a cluster version (the versions themselves are
// in server/common/version.hpp).
inline constexpr std::string_view kClusterVersionNotDecided = "not_decided";

// {"etcdserver":"3.4.23","etcdcluster":"3.4.0"} with no newline.
void append_version_json(std::string& out, std::string_view server_version,
                         std::string_view cluster_version);

// /health body (served as text/plain): {"health":"true"} with no newline when healthy (200);
// {"health":"false"} + "\n" otherwise (503, written by Go's http.Error).
void append_health_json(std::string& out, bool healthy);

// ------------------------------------------------------------------ stats

// {"getsSuccess":N,...,"watchers":N} with no newline, in etcd's field order (StoreStats::fields).
void append_store_stats_json(std::string& out, const store::StoreStats& stats);

// What /v2/stats/self reports about this member.
struct SelfStatsView {
  std::string name;
  std::uint64_t id = 0;
  std::string_view state = "StateFollower";  // StateFollower, StateCandidate, StateLeader, ...
  UnixNanos start_time = 0;                  // when this member started
  std::uint64_t leader_id = 0;
  UnixNanos leader_start_time = 0;           // when the current leader was first seen
  std::uint64_t recv_append_request_count = 0;
  double recv_pkg_rate = 0;                  // left out when 0
  double recv_bandwidth_rate = 0;            // left out when 0
  std::uint64_t send_append_request_count = 0;
  double send_pkg_rate = 0;                  // left out when 0
  double send_bandwidth_rate = 0;            // left out when 0
};

// {"name":..,"id":..,"state":..,"startTime":..,"leaderInfo":{"leader":..,"uptime":..,
// "startTime":..},"recvAppendRequestCnt":N,["recvPkgRate":..,"recvBandwidthRate":..,]
// "sendAppendRequestCnt":N[,"sendPkgRate":..,"sendBandwidthRate":..]} with no newline.
// uptime is now − leader_start_time as a Go duration ("12m21.700154637s").
void append_self_stats_json(std::string& out, const SelfStatsView& stats, UnixNanos now);

// {"leader":"<hex>","followers":{"<hex>":{"latency":{...},"counts":{...}},...}} with no
// newline; followers (the links the leader keeps, node::PeerActivity, latencies in
// milliseconds) ordered by their hex id as a string (Go sorts map keys). The average and the
// standard deviation are of the successful sends (0 before the first).
void append_leader_stats_json(std::string& out, std::uint64_t leader_id,
                              const std::vector<node::PeerActivity>& followers);

}  // namespace coord::http
