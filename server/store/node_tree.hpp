// NodeTree: the v2 key tree's storage — nodes, their parent/child links and a single hash index
// from (parent, name) to child for O(1) lookups at any fan-out. It knows nothing of etcd rules
// (indexes, TTL, events): Store builds those on top. Not thread-safe; const methods only read,
// so concurrent const calls are safe while nobody mutates (the store's shared lock).
//
// Memory: one allocation per key (a 104-byte Node followed by its name), the value's heap
// buffer when over 15 bytes, and one 8-byte slot per node in the index, at most 70% full. Children are an intrusive sibling list,
// so a dir costs nothing per child beyond the child itself.
//
// Growth: when the index is 70% full it doubles, and its nodes move to the new table a few
// slots at every insert after that (never all at once: moving the 734,000 nodes of a 1M-key
// store took one write ~25 ms, while the store lock was held). Until the move is over a node
// is in exactly one of the two tables, and lookups look in both.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/common/clock.hpp"

namespace coord::store {

inline constexpr UnixNanos kPermanent = std::numeric_limits<UnixNanos>::min();

// One key. Allocated by NodeTree with its name stored right after the struct (one allocation
// per node, no separate string for the name).
struct Node {
  Node* parent = nullptr;
  Node* first_child = nullptr;   // dirs only
  Node* next_sibling = nullptr;  // null after the last child
  Node* prev_sibling = nullptr;  // circular: the first child's prev is the last child
  std::string value;             // files only
  std::uint64_t created_index = 0;
  std::uint64_t modified_index = 0;
  UnixNanos expiration = kPermanent;
  std::uint64_t hash = 0;        // of (parent, name), kept so the index never rehashes names
  std::uint32_t name_size = 0;   // the name's bytes follow the struct; empty only for the root
  bool dir = false;

  // One path part.
  std::string_view name() const { return {reinterpret_cast<const char*>(this + 1), name_size}; }
  bool permanent() const { return expiration == kPermanent; }
  // A name starting with '_' is left out of listings and recursive watches (etcd 3.4's v2 API).
  bool hidden() const { return name_size > 0 && name().front() == '_'; }
  bool has_children() const { return first_child != nullptr; }
};

class NodeTree {
 public:
  NodeTree();
  ~NodeTree();
  NodeTree(NodeTree&& other) noexcept;
  NodeTree& operator=(NodeTree&& other) noexcept;
  NodeTree(const NodeTree&) = delete;
  NodeTree& operator=(const NodeTree&) = delete;

  Node* root() { return root_; }
  const Node* root() const { return root_; }
  // Nodes other than the root.
  std::size_t size() const { return size_; }

  // The child of `parent` called `name`, or null.
  Node* child(const Node* parent, std::string_view name) const;
  // Makes a new empty node under `parent` (a dir), appended to its children. The name must not
  // be taken yet.
  Node* add(Node* parent, std::string_view name, bool dir);
  // As add(), but returns null when `parent` already has a child called `name` (one probe of
  // the index instead of a lookup and an insert).
  Node* try_add(Node* parent, std::string_view name, bool dir);
  // Makes room for `nodes` nodes in the index up front.
  void reserve(std::size_t nodes);
  // Bulk loading (recovering a snapshot): add_unindexed() makes and links a node as add()
  // does but leaves it out of the index; index_pending() then indexes every such node in one
  // pass that prefetches each slot a few nodes ahead (indexed one at a time, the cache miss on
  // each node's slot was a third of a restart's CPU). index_pending() returns false when two of
  // them share a parent and a name; the tree must then be discarded. Until it returns true,
  // child() and try_add() do not see the pending nodes.
  Node* add_unindexed(Node* parent, std::string_view name, bool dir);
  bool index_pending();
  // For tests: a doubling of the index is still moving nodes; and a full check that every node
  // is found by child() and that the tables hold exactly size() nodes.
  bool index_moving() const { return old_.size() > 0; }
  bool index_consistent() const;
  // Unlinks `n` (not the root) and frees it with everything below it.
  void destroy(Node* n);

  // The user key of `n`: "/a/b"; "" for the root.
  static std::string key_of(const Node* n);
  // Depth below the root (the root is 0).
  static std::size_t depth_of(const Node* n);

 private:
  // Open addressing with linear probing over (parent, name). A slot holds a node pointer with
  // the top 16 bits of its hash in the pointer's unused top 16 bits, so a probe touches a node
  // only when the tags agree. Slot arrays come zeroed from calloc: a large one is fresh pages
  // the kernel zeroes as they are first touched, not a memset of the whole array at once.
  class Slots {
   public:
    Slots() = default;
    explicit Slots(std::size_t n);
    Slots(Slots&& other) noexcept : p_(std::exchange(other.p_, nullptr)), n_(std::exchange(other.n_, 0)) {}
    Slots& operator=(Slots&& other) noexcept;
    ~Slots();
    std::size_t size() const { return n_; }
    std::size_t mask() const { return n_ - 1; }  // n_ is a power of two (or 0: no table)
    std::uintptr_t& operator[](std::size_t i) { return p_[i]; }
    std::uintptr_t operator[](std::size_t i) const { return p_[i]; }

   private:
    std::uintptr_t* p_ = nullptr;
    std::size_t n_ = 0;
  };
  // The node under `parent` called `name` (hash h) in `table`, or null.
  static Node* find_in(const Slots& table, std::uint64_t h, const Node* parent, std::string_view name);
  // Removes `n` from `table` (backward-shift deletion); false when it is not there.
  static bool erase_from(Slots& table, const Node* n);
  // Whether `n` may be in old_: a node whose home slot there is below moved_ is not (see
  // move_some()).
  bool maybe_in_old(std::uint64_t h) const { return old_.size() > 0 && (h & old_.mask()) >= moved_; }
  // Moves at least `slots` slots of old_ to slots_, and on to just past an empty slot.
  void move_some(std::size_t slots);
  static std::uint64_t hash_of(const Node* parent, std::string_view name);
  static std::uintptr_t tagged(const Node* n);
  static Node* untag(std::uintptr_t slot);
  void link(Node* parent, Node* n);
  static Node* make_node(std::string_view name, bool dir);
  static void free_node(Node* n);
  void index_erase(const Node* n);
  // Doubles the index: the move starts; insert() moves a few slots each (move_some()).
  void start_growing();
  // Ends a move in progress at once (before a bulk reserve()).
  void finish_growing();
  void free_all();

  Node* root_ = nullptr;
  Slots slots_;  // where nodes are added
  // While a doubling moves nodes (index_moving()): the table before it. Invariant: old_[i] is
  // empty for every i < moved_, and moved_ is 0 or just past a slot that was empty when the move
  // passed it, so a node still in old_ has its home slot at or past moved_ (no probe run crosses
  // an empty slot, and runs that wrap past the end start at or past moved_).
  Slots old_;
  std::size_t moved_ = 0;
  std::size_t size_ = 0;
  std::vector<Node*> pending_;  // added by add_unindexed(), not yet in slots_
};

}  // namespace coord::store
