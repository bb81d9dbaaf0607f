// Store: the etcd v2 key store — the tree of files and dirs, the etcd index, TTLs, watchers,
// the 1000-event history, store stats and cluster membership — with the exact answers of real
// etcd 3.4 (etcd 3.4's v2 API). Pure: it never reads a
// clock (every time comes in as an argument), does no I/O and starts no threads.
//
// Thread-safety: not thread-safe. The server calls const methods (reads) under a shared lock
// and everything else under an exclusive one. Const methods only bump atomic stats counters.
// Watch sinks run inline inside write calls, on the caller's thread and under its lock, unless
// the owner defers them (defer_fan_out: the server's NodeCore runs them after the lock).
//
// Snapshot encoding (save/recover), little-endian, built with server/common/coding.hpp:
//
//   u32 magic 0x32545343 ("CST2") | u8 version (kSnapshotVersion)
//   u64 etcd index
//   15 x varint stats counters (StoreStats order, without watchers)
//   bytes cluster version
//   varint member count, then per member:
//     u64 id | bytes name | varint n, n x bytes peer URL | varint n, n x bytes client URL
//   varint removed-member count, then per removed member: u64 id
//   the v2 auth state (version 2 only; server/auth/auth_codec.hpp)
//   varint node count (root excluded)
//   varint root child count, then the tree in pre-order; per node:
//     bytes name | u8 flags (bit0 dir, bit1 has expiration) | varint createdIndex
//     | varint modifiedIndex | [i64 expiration, if bit1]
//     | file: bytes value  /  dir: varint child count, then the children
//   nothing may follow.
// Watchers and history are not saved (etcd drops them too). recover() also reads version 1
// snapshots (made before auth existed: no auth section, auth disabled and empty).
//
// Deliberate differences from etcd 3.4 (none is visible in the conformance probe):
//  * a stream watcher on a node that is deleted gets the event once (etcd's delete callback
//    and its ancestor walk both deliver it, so etcd sends it twice);
//  * expiry order among equal expirations is (modifiedIndex, depth), the same on every member
//    and after a recovery (etcd's heap order after a snapshot depends on map iteration);
//  * expirations before the year 2000 are not turned into "permanent" on create/set;
//  * recover() clears the history (etcd keeps a history whose indexes no longer follow on);
//  * a write may not create a key deeper than kMaxKeyDepth levels (etcd has no limit).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "server/auth/auth_state.hpp"
#include "server/common/clock.hpp"
#include "server/common/coding.hpp"
#include "server/common/status.hpp"
#include "server/store/event.hpp"
#include "server/store/event_history.hpp"
#include "server/store/member.hpp"
#include "server/store/node_tree.hpp"
#include "server/store/store_stats.hpp"
#include "server/store/ttl_index.hpp"
#include "server/store/v2_error.hpp"
#include "server/store/v2_result.hpp"
#include "server/store/watcher_hub.hpp"

namespace coord::store {

inline constexpr std::uint32_t kSnapshotMagic = 0x32545343;  // "CST2"
inline constexpr std::uint8_t kSnapshotVersion = 2;
inline constexpr std::uint8_t kSnapshotVersionWithoutAuth = 1;

// The most levels a key may have when a write creates it (etcd has no limit). A recursive
// listing writes every key in full, so a chain of d levels costs O(d^2) bytes to list: at 1000
// levels of one-letter names that is 1 MB, at the 20,000 a 64 KB request line allows, 400 MB.
// Deeper creates are refused with 209 "Invalid field". Deeper trees that already exist (an old
// data dir, a peer's snapshot) still work: no walk of the tree recurses.
inline constexpr std::size_t kMaxKeyDepth = 1000;

struct WatchStart {
  EventPtr immediate;            // set when history already held a matching event: the watch is over
  WatchId id = 0;                // otherwise: the registered watcher (0 when immediate is set)
  std::uint64_t etcd_index = 0;  // store index when the watch started (X-Etcd-Index of a waiting watch)
};

// A store state decoded from a snapshot image (Store::decode), whole and checked but no store's
// yet. Decoding is a recovery's cost (0.2 s per million keys), so a member can decode off its
// raft loop and install() the result there in constant time. install() hands back the state it
// replaced in the same type, for the caller to destroy where that cost does not matter.
class DecodedState {
 public:
  DecodedState() = default;
  DecodedState(DecodedState&&) noexcept = default;
  DecodedState& operator=(DecodedState&&) noexcept = default;

  std::uint64_t index() const { return index_; }
  std::size_t node_count() const { return tree_.size(); }

 private:
  friend class Store;
  std::uint64_t index_ = 0;
  std::uint64_t counters_[kCounterCount] = {};
  std::string cluster_version_;
  std::map<std::uint64_t, Member> members_;
  std::set<std::uint64_t> removed_;
  auth::AuthState auth_;
  NodeTree tree_;
  std::vector<Node*> with_ttl_;  // the nodes of tree_ that expire (a decoded state's only)
};

class Store {
 public:
  Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The etcd index: +1 per successful write, expired node and membership change.
  std::uint64_t index() const { return index_; }

  // GET: a node; a dir lists its non-hidden children (recursively with `recursive`; by key
  // with `sorted`). `now` computes ttl. Any depth: the listing is built without recursion.
  V2Result<Event> get(std::string_view key, bool recursive, bool sorted, UnixNanos now) const;
  // The same GET handed to `sink` node by node, straight from the tree (same nodes, order,
  // errors and stats): no NodeExtern is built, so a 100k-key recursive listing costs no
  // allocation per key. Returns the etcd index of the answer (Event::etcd_index) or the error;
  // on an error the sink is not called.
  V2Result<std::uint64_t> get_into(std::string_view key, bool recursive, bool sorted, UnixNanos now,
                                   ListingSink& sink) const;
  // Writes that create a node refuse keys deeper than kMaxKeyDepth (209). Writes answer with
  // the event they published (EventResult: shared with the history and the watchers, no copy);
  // a value they replace or remove moves into the event's prevNode rather than being copied.
  // PUT without conditions: makes or replaces a node ("set"). With `refresh`, keeps the value,
  // applies the expiration and tells no watcher (the key must exist).
  EventResult set(std::string_view key, bool dir, std::string_view value,
                  std::optional<UnixNanos> expiration, UnixNanos now, bool refresh = false);
  // PUT prevExist=false, or POST with `unique` (key/<20-digit new index>).
  EventResult create(std::string_view key, bool dir, std::string_view value, bool unique,
                     std::optional<UnixNanos> expiration, UnixNanos now);
  // PUT prevExist=true: new value (or the kept one on refresh) and expiration for an existing node.
  EventResult update(std::string_view key, std::string_view value,
                     std::optional<UnixNanos> expiration, bool refresh, UnixNanos now);
  // PUT with prevValue and/or prevIndex (a missing or empty prev_value and a 0 prev_index mean
  // "no condition").
  EventResult compare_and_swap(std::string_view key, std::optional<std::string_view> prev_value,
                               std::uint64_t prev_index, std::string_view value,
                               std::optional<UnixNanos> expiration, bool refresh, UnixNanos now);
  // DELETE (`recursive` implies `dir`).
  EventResult remove(std::string_view key, bool dir, bool recursive, UnixNanos now);
  // DELETE with prevValue and/or prevIndex (files only).
  EventResult compare_and_delete(std::string_view key, std::optional<std::string_view> prev_value,
                                 std::uint64_t prev_index, UnixNanos now);
  // Deletes every node with expiration <= now, earliest first; one event (and index) per
  // expired node, a dir counting once with everything in it.
  std::vector<EventPtr> expire(UnixNanos now);
  // True while some node has an expiration (the leader proposes SYNC only then).
  bool has_ttl_keys() const { return !ttl_.empty(); }

  // Starts a watch on `key`. since_index 0 means "only future events". Error 401 when
  // since_index is older than the history. See WatchStart.
  V2Result<WatchStart> watch(std::string_view key, bool recursive, bool stream,
                             std::uint64_t since_index, WatchSink sink);
  // Removes a watcher; safe for an id already removed.
  void unwatch(WatchId id) { hub_.remove(id); }

  // Who runs the watch sinks. By default a write runs the sinks its events reach before it
  // returns, under whatever lock its caller holds. After defer_fan_out(true) a write only
  // collects them (WatcherHub::notify: one-shot watchers are removed then), and the owner takes
  // them with take_fan_out() while it still holds its exclusive lock, then runs them
  // (FanOut::run) after releasing it and unwatches the ids run() returns. NodeCore works this
  // way, so no sink runs under its store lock (server/README.md, "Locks").
  void defer_fan_out(bool defer) { defer_fan_out_ = defer; }
  // What writes collected since the last take, in publication order; empty unless deferred.
  FanOut take_fan_out() { return std::exchange(fan_out_, {}); }

  StoreStats stats() const { return counters_.snapshot(hub_.count()); }
  // etcd checks its auth flag with an internal get that fails before every keys/members request.
  void count_get_failure() const { counters_.bump(Counter::kGetsFail); }
  // That lookup (of etcd's /2/enabled) succeeds once the first auth write created it.
  void count_auth_lookup() const {
    counters_.bump(auth_.initialized() ? Counter::kGetsSuccess : Counter::kGetsFail);
  }

  // The v2 auth state (users, roles, enabled), replicated with the keys and kept in snapshots.
  const auth::AuthState& auth() const { return auth_; }
  // Applies one auth write. Like etcd's writes to its hidden /2 tree, each write it makes takes
  // an etcd index (and a history slot no user watch sees) and is counted in the stats.
  auth::AuthOutcome apply_auth(const auth::AuthOp& op);

  // Membership. Each change moves the index like etcd's writes to its /0 tree: add +1, remove
  // +2 (delete the member, record it as removed), peer URL update +1, attribute publish +1
  // (only for a current member), cluster version +1; stats count them the same way.
  void add_member(const Member& m);
  void remove_member(std::uint64_t id);
  void update_member_peer_urls(std::uint64_t id, std::vector<std::string> peer_urls);
  void publish_member_attributes(std::uint64_t id, std::string name, std::vector<std::string> client_urls);
  void set_cluster_version(std::string version);
  std::vector<Member> members() const;  // sorted by id
  bool is_removed(std::uint64_t id) const { return removed_.count(id) != 0; }
  std::string cluster_version() const { return cluster_version_; }

  // Snapshot of tree, index, members, stats and TTLs (format above). `size_hint`: the expected
  // size (e.g. the previous snapshot's, plus some); reserving it up front saves the reallocation
  // copies of a growing string of hundreds of MB, which cost more than the encoding itself.
  std::string save(std::size_t size_hint = 0) const;
  // Replaces the state with a snapshot; on error nothing changes. History is cleared; live
  // watchers stay registered (as in etcd). The same as install(decode(data)).
  Status recover(std::string_view data);
  // Decodes a snapshot (format above) into a state of its own; touches no store.
  static Result<DecodedState> decode(std::string_view data);
  // Replaces the state with `next` as recover() does, in constant time apart from indexing
  // next's TTL nodes; returns the replaced state (tree, members, auth), whose destruction is
  // O(nodes).
  DecodedState install(DecodedState next);

  // Walks the whole tree and checks the structure's invariants (links, index, TTL tracking,
  // history). For tests and debugging: O(nodes).
  Status check_invariants() const;

  std::size_t node_count() const { return tree_.size(); }
  std::size_t watcher_count() const { return hub_.count(); }

 private:
  // A key's path elements, pointing into the key. Inline up to kInlineParts (keys are rarely
  // deeper): splitting a key, done for every request, then allocates nothing.
  static constexpr std::size_t kInlineParts = 8;
  using Parts = boost::container::small_vector<std::string_view, kInlineParts>;

  static Parts split(std::string_view key);
  static std::string join(const Parts& parts);  // "/a/b"; "" for no parts
  V2Error error(int code, std::string cause) const { return V2Error{code, std::move(cause), index_}; }
  // 209 for a write that would create a key deeper than kMaxKeyDepth.
  V2Error too_deep() const;

  // etcd's internalGet: the node at `parts`, or 100 (first missing part) / 104 (a file on the way).
  V2Result<Node*> lookup(const Parts& parts) const;
  // The file a compare-and-swap/-delete tests, or its error (100, 102, 101), counted as `fail`.
  V2Result<Node*> compare_target(const Parts& parts, const std::string& key,
                                 std::optional<std::string_view> prev_value, std::uint64_t prev_index, Counter fail);
  // etcd's walk with checkDir: the dir at `parts`, creating missing dirs with `index`; 104 if a
  // part is a file.
  V2Result<Node*> make_dirs(const Parts& parts, std::size_t count, std::uint64_t index);

  // `n` alone (a dir without its children).
  NodeExtern repr(const Node* n, std::string key, UnixNanos now) const;
  // The same for the prevNode of a write that replaces or removes `n`'s value next: the value
  // is moved out, not copied, and n->value is left empty.
  NodeExtern repr_taking_value(Node* n, std::string key, UnixNanos now);
  static NodeExtern repr_without_value(const Node* n, std::string key, UnixNanos now);
  // Fills out.nodes with the non-hidden children of dir `n` (key out.key); all levels below
  // with `recursive`.
  void list_children(const Node* n, bool recursive, bool sorted, UnixNanos now, NodeExtern& out) const;
  static void fill_expiration(const Node* n, NodeExtern& out, UnixNanos now);
  // A node's view for a sink (key: `key`).
  static NodeView view_of(const Node* n, std::string_view key, UnixNanos now);
  // The children of dir `n` a listing shows (not hidden), by name when `sorted`, into `out`.
  static void listed_children(const Node* n, bool sorted, std::vector<const Node*>& out);

  void set_expiration(Node* n, std::optional<UnixNanos> expiration);
  // Watched keys of existing nodes strictly inside dir `n` (key `key`).
  std::vector<std::string> removed_watched_paths(const Node* n, const std::string& key) const;
  void remove_subtree(Node* n);
  // Removes `n` with its subtree as one event (delete, compareAndDelete, expire): the next
  // index, prevNode, watchers on removed paths told, `counter` bumped.
  EventPtr remove_as(const char* action_name, Node* n, std::string key, UnixNanos now, Counter counter);
  // Records `e` (the change that made index `e.etcd_index`) in history and collects the
  // watchers it reaches into fan_out_, which it runs at once unless the fan-out is deferred.
  EventPtr publish(Event e, const std::vector<std::string>& removed_paths = {});
  void bump_internal(Counter c);

  void save_meta(Encoder& e) const;
  void save_tree(Encoder& e) const;
  static Status decode_meta(Decoder& d, DecodedState& st);
  static Status decode_tree(Decoder& d, DecodedState& st);
  // One node under `parent`; `children` gets a dir's child count.
  static Result<Node*> decode_node(Decoder& d, DecodedState& st, Node* parent, std::uint64_t& children);

  EventResult set_impl(const Parts& parts, bool dir, std::string_view value,
                       std::optional<UnixNanos> expiration, UnixNanos now, bool refresh);
  EventResult create_impl(Parts parts, bool dir, std::string_view value, bool unique,
                          std::optional<UnixNanos> expiration, UnixNanos now);

  NodeTree tree_;
  TtlIndex ttl_;
  EventHistory history_;
  WatcherHub hub_;
  FanOut fan_out_;  // collected, not yet taken (deferred) or run (inline)
  bool defer_fan_out_ = false;
  StoreCounters counters_;
  std::uint64_t index_ = 0;
  std::map<std::uint64_t, Member> members_;
  std::set<std::uint64_t> removed_;
  std::string cluster_version_;
  auth::AuthState auth_;
};

}  // namespace coord::store
