// What the store hands out: copies of nodes (NodeExtern) and events. Plain values, safe to move
// to other threads; the http layer turns them into etcd's JSON (server/http/v2_json.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/common/clock.hpp"

namespace coord::store {

// A node as shown to a client. Field order in JSON: key, value, dir, expiration, ttl, nodes,
// modifiedIndex, createdIndex (etcd 3.4's v2 API).
//
// A recursive listing nests as deep as the tree, which may be far deeper than the call stack
// allows (a store recovered from an old data dir or a peer's snapshot): the destructor frees
// the children with an explicit stack. Copies recurse, so listings are only ever moved.
struct NodeExtern {
  NodeExtern() = default;
  NodeExtern(const NodeExtern&) = default;
  NodeExtern(NodeExtern&&) noexcept = default;
  NodeExtern& operator=(const NodeExtern&) = default;
  NodeExtern& operator=(NodeExtern&&) noexcept = default;
  ~NodeExtern();

  std::string key;                     // user key, e.g. "/dir/a"; empty for the root
  std::optional<std::string> value;    // set for files (may be ""), absent for dirs and deletes
  bool dir = false;
  std::optional<UnixNanos> expiration; // absent for permanent nodes
  std::int64_t ttl = 0;                // ceil((expiration - now) / 1 s); 0 is left out of JSON
  std::vector<NodeExtern> nodes;       // children, for dir listings; empty is left out
  std::uint64_t modified_index = 0;    // 0 is left out (root)
  std::uint64_t created_index = 0;     // 0 is left out (root)
};

// Actions as etcd spells them.
namespace action {
inline constexpr const char* kGet = "get";
inline constexpr const char* kCreate = "create";
inline constexpr const char* kSet = "set";
inline constexpr const char* kUpdate = "update";
inline constexpr const char* kDelete = "delete";
inline constexpr const char* kCompareAndSwap = "compareAndSwap";
inline constexpr const char* kCompareAndDelete = "compareAndDelete";
inline constexpr const char* kExpire = "expire";
}  // namespace action

struct Event {
  std::string action;
  NodeExtern node;
  std::optional<NodeExtern> prev_node;
  std::uint64_t etcd_index = 0;  // the store index after the operation (X-Etcd-Index)
  bool refresh = false;          // a TTL refresh: recorded in history, never delivered to watchers

  // The index watchers match against: node.modified_index (etcd's Event.Index()).
  std::uint64_t index() const { return node.modified_index; }
  bool is_created() const;       // 201 rather than 200: create, or set with no previous node
};

// A node of a GET's listing as the store holds it, lent to a ListingSink for the length of one
// call (Store::get_into): nothing is copied. The same fields as NodeExtern, without children.
struct NodeView {
  std::string_view key;                    // user key, e.g. "/dir/a"; empty for the root
  std::optional<std::string_view> value;   // set for files (may be ""), absent for dirs
  bool dir = false;
  std::optional<UnixNanos> expiration;     // absent for permanent nodes
  std::int64_t ttl = 0;                    // as NodeExtern::ttl
  std::uint64_t modified_index = 0;
  std::uint64_t created_index = 0;
};

// Receives a GET's listing from Store::get_into, depth first: begin(n, k) for each node, then
// (when k > 0) its k listed children, each with its own begin/end, then end(n). The nodes, their
// order and the children a GET lists are exactly those of the NodeExtern tree Store::get builds.
// Called under the caller's (shared) store lock; a sink must not call back into the store.
class ListingSink {
 public:
  virtual ~ListingSink() = default;
  virtual void begin(const NodeView& node, std::size_t listed_children) = 0;
  virtual void end(const NodeView& node) = 0;
};

// Events are shared between the history ring and every watcher they are delivered to.
using EventPtr = std::shared_ptr<const Event>;

}  // namespace coord::store
