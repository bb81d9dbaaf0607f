#include "server/store/node_tree.hpp"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <utility>

#include "server/common/check.hpp"

namespace coord::store {

namespace {
constexpr std::size_t kInitialSlots = 64;
// Slots of the old table moved per insert while a doubling moves nodes: the move must end before
// the new table (twice the old one) is 70% full, i.e. within 0.7 x old size inserts, which needs
// at least 1.43 per insert; 8 ends it well before and keeps each insert's share to a few slots.
constexpr std::size_t kMovedPerInsert = 8;

std::uint64_t mix(std::uint64_t x) {
  // splitmix64 finaliser: spreads the parent pointer's bits over the whole word.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
}  // namespace

NodeTree::Slots::Slots(std::size_t n) : p_(static_cast<std::uintptr_t*>(std::calloc(n, sizeof(std::uintptr_t)))), n_(n) {
  if (p_ == nullptr) throw std::bad_alloc();
}

NodeTree::Slots& NodeTree::Slots::operator=(Slots&& other) noexcept {
  if (this != &other) {
    std::free(p_);
    p_ = std::exchange(other.p_, nullptr);
    n_ = std::exchange(other.n_, 0);
  }
  return *this;
}

NodeTree::Slots::~Slots() { std::free(p_); }

NodeTree::NodeTree() : root_(make_node({}, true)), slots_(kInitialSlots) {}

Node* NodeTree::make_node(std::string_view name, bool dir) {
  static_assert(alignof(Node) <= alignof(std::max_align_t));
  void* mem = ::operator new(sizeof(Node) + name.size());
  auto* n = new (mem) Node;
  if (!name.empty()) std::memcpy(reinterpret_cast<char*>(n + 1), name.data(), name.size());
  n->name_size = static_cast<std::uint32_t>(name.size());
  n->dir = dir;
  return n;
}

void NodeTree::free_node(Node* n) {
  n->~Node();
  ::operator delete(static_cast<void*>(n));
}

NodeTree::~NodeTree() { free_all(); }

NodeTree::NodeTree(NodeTree&& other) noexcept
    : root_(std::exchange(other.root_, nullptr)),
      slots_(std::move(other.slots_)),
      old_(std::move(other.old_)),
      moved_(std::exchange(other.moved_, 0)),
      size_(std::exchange(other.size_, 0)),
      pending_(std::move(other.pending_)) {}

NodeTree& NodeTree::operator=(NodeTree&& other) noexcept {
  if (this != &other) {
    free_all();
    root_ = std::exchange(other.root_, nullptr);
    slots_ = std::move(other.slots_);
    old_ = std::move(other.old_);
    moved_ = std::exchange(other.moved_, 0);
    size_ = std::exchange(other.size_, 0);
    pending_ = std::move(other.pending_);
  }
  return *this;
}

void NodeTree::free_all() {
  if (root_ == nullptr) return;
  // Iterative, so a very deep tree cannot overflow the stack.
  std::vector<Node*> stack{root_};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (Node* c = n->first_child; c != nullptr; c = c->next_sibling) stack.push_back(c);
    free_node(n);
  }
  root_ = nullptr;
  size_ = 0;
}

namespace {
constexpr std::uintptr_t kPointerMask = (std::uintptr_t{1} << 48) - 1;
constexpr std::uintptr_t kTagMask = ~kPointerMask;
}  // namespace

std::uint64_t NodeTree::hash_of(const Node* parent, std::string_view name) {
  auto h = std::hash<std::string_view>{}(name) ^ mix(reinterpret_cast<std::uintptr_t>(parent));
  return mix(h);
}

std::uintptr_t NodeTree::tagged(const Node* n) {
  auto p = reinterpret_cast<std::uintptr_t>(n);
  // Invariant: user-space pointers on the supported 64-bit platforms fit in 48 bits.
  COORD_CHECK((p & kTagMask) == 0, "node pointer does not fit in 48 bits");
  return p | (n->hash & kTagMask);
}

Node* NodeTree::untag(std::uintptr_t slot) { return reinterpret_cast<Node*>(slot & kPointerMask); }

Node* NodeTree::find_in(const Slots& table, std::uint64_t h, const Node* parent, std::string_view name) {
  const std::uintptr_t tag = h & kTagMask;
  const std::size_t mask = table.mask();
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const std::uintptr_t s = table[i];
    if (s == 0) return nullptr;
    if ((s & kTagMask) != tag) continue;
    Node* n = untag(s);
    if (n->parent == parent && n->name() == name) return n;
  }
}

Node* NodeTree::child(const Node* parent, std::string_view name) const {
  const std::uint64_t h = hash_of(parent, name);
  if (Node* n = find_in(slots_, h, parent, name)) return n;
  return maybe_in_old(h) ? find_in(old_, h, parent, name) : nullptr;
}

bool NodeTree::erase_from(Slots& table, const Node* n) {
  const std::size_t mask = table.mask();
  std::size_t i = n->hash & mask;
  while (untag(table[i]) != n) {
    if (table[i] == 0) return false;
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: pull later members of the probe run into the hole so lookups
  // never need tombstones.
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    const std::uintptr_t s = table[j];
    if (s == 0) break;
    const std::size_t k = untag(s)->hash & mask;
    const bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    table[i] = s;
    i = j;
  }
  table[i] = 0;
  return true;
}

void NodeTree::index_erase(const Node* n) {
  // In old_, a hole left by the shift stays at or past moved_ (the run it shortens does), so the
  // invariant on old_ holds.
  if (maybe_in_old(n->hash) && erase_from(old_, n)) return;
  COORD_CHECK(erase_from(slots_, n), "node missing from the tree index");
}

void NodeTree::start_growing() {
  finish_growing();
  old_ = std::move(slots_);
  slots_ = Slots(old_.size() * 2);
  moved_ = 0;
}

void NodeTree::move_some(std::size_t slots) {
  const std::size_t mask = slots_.mask();
  const std::size_t end = old_.size();
  // Stop only just past an empty slot (the invariant on old_ in the header): a probe run is
  // never left half moved.
  bool past_empty = false;
  for (std::size_t done = 0; moved_ < end && (done < slots || !past_empty); ++done, ++moved_) {
    const std::uintptr_t s = old_[moved_];
    past_empty = s == 0;
    if (past_empty) continue;
    old_[moved_] = 0;
    std::size_t i = untag(s)->hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
  if (moved_ == end) {
    old_ = Slots();
    moved_ = 0;
  }
}

void NodeTree::finish_growing() {
  if (index_moving()) move_some(old_.size());
}

bool NodeTree::index_consistent() const {
  for (std::size_t i = 0; i < moved_ && i < old_.size(); ++i)
    if (old_[i] != 0) return false;
  std::size_t held = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) held += slots_[i] != 0;
  for (std::size_t i = 0; i < old_.size(); ++i) held += old_[i] != 0;
  if (held + pending_.size() != size_) return false;
  std::vector<const Node*> stack{root_};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Node* c = n->first_child; c != nullptr; c = c->next_sibling) {
      stack.push_back(c);
      if (child(n, c->name()) != c) return false;
    }
  }
  return true;
}

void NodeTree::link(Node* parent, Node* n) {
  n->parent = parent;
  if (parent->first_child == nullptr) {
    parent->first_child = n;
    n->prev_sibling = n;
  } else {
    Node* last = parent->first_child->prev_sibling;
    last->next_sibling = n;
    n->prev_sibling = last;
    parent->first_child->prev_sibling = n;
  }
  ++size_;
}

Node* NodeTree::add(Node* parent, std::string_view name, bool dir) {
  Node* n = try_add(parent, name, dir);
  COORD_CHECK(n != nullptr, "adding a child whose name is taken");
  return n;
}

Node* NodeTree::try_add(Node* parent, std::string_view name, bool dir) {
  COORD_CHECK(parent->dir, "adding a child to a file");
  COORD_CHECK(!name.empty(), "adding a child with an empty name");
  if ((size_ + 1) * 10 > slots_.size() * 7) start_growing();
  if (index_moving()) move_some(kMovedPerInsert);
  const std::uint64_t h = hash_of(parent, name);
  if (maybe_in_old(h) && find_in(old_, h, parent, name) != nullptr) return nullptr;
  const std::uintptr_t tag = h & kTagMask;
  const std::size_t mask = slots_.mask();
  std::size_t i = h & mask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    if ((slots_[i] & kTagMask) != tag) continue;
    const Node* other = untag(slots_[i]);
    if (other->parent == parent && other->name() == name) return nullptr;
  }
  COORD_CHECK(name.size() <= UINT32_MAX, "name too long");
  Node* n = make_node(name, dir);
  n->hash = h;
  slots_[i] = tagged(n);
  link(parent, n);
  return n;
}

void NodeTree::reserve(std::size_t nodes) {
  finish_growing();
  while (nodes * 10 > slots_.size() * 7) {
    start_growing();
    finish_growing();
  }
}

Node* NodeTree::add_unindexed(Node* parent, std::string_view name, bool dir) {
  COORD_CHECK(parent->dir, "adding a child to a file");
  COORD_CHECK(!name.empty(), "adding a child with an empty name");
  COORD_CHECK(name.size() <= UINT32_MAX, "name too long");
  Node* n = make_node(name, dir);
  n->hash = hash_of(parent, name);
  link(parent, n);
  pending_.push_back(n);
  return n;
}

bool NodeTree::index_pending() {
  // size_ counts the pending nodes already (link()): room for all of them, so no doubling below.
  reserve(size_);
  // Far enough ahead for the slot's cache line to arrive before its turn, near enough that
  // it is still cached then.
  constexpr std::size_t kAhead = 8;
  const std::size_t count = pending_.size();
  const std::size_t mask = slots_.mask();  // reserve() ended any move: old_ is empty
  for (std::size_t k = 0; k < count; ++k) {
    if (k + kAhead < count) __builtin_prefetch(&slots_[pending_[k + kAhead]->hash & mask], 1);
    Node* n = pending_[k];
    const std::uintptr_t tag = n->hash & kTagMask;
    std::size_t i = n->hash & mask;
    for (; slots_[i] != 0; i = (i + 1) & mask) {
      if ((slots_[i] & kTagMask) != tag) continue;
      const Node* other = untag(slots_[i]);
      if (other->parent == n->parent && other->name() == n->name()) {
        pending_.clear();
        return false;
      }
    }
    slots_[i] = tagged(n);
  }
  pending_.clear();
  pending_.shrink_to_fit();
  return true;
}

void NodeTree::destroy(Node* n) {
  COORD_CHECK(n != root_ && n->parent != nullptr, "destroying the root");
  Node* p = n->parent;
  // Unlink from the sibling list (see the circular prev rule in Node).
  if (p->first_child == n) {
    p->first_child = n->next_sibling;
    if (n->next_sibling != nullptr) n->next_sibling->prev_sibling = n->prev_sibling;
  } else {
    n->prev_sibling->next_sibling = n->next_sibling;
    if (n->next_sibling != nullptr) {
      n->next_sibling->prev_sibling = n->prev_sibling;
    } else {
      p->first_child->prev_sibling = n->prev_sibling;
    }
  }
  std::vector<Node*> stack{n};
  while (!stack.empty()) {
    Node* x = stack.back();
    stack.pop_back();
    for (Node* c = x->first_child; c != nullptr; c = c->next_sibling) stack.push_back(c);
    index_erase(x);  // uses the stored hash; never reads the (maybe freed) parent
    --size_;
    free_node(x);
  }
}

std::string NodeTree::key_of(const Node* n) {
  std::size_t len = 0;
  for (const Node* x = n; x->parent != nullptr; x = x->parent) len += x->name_size + 1;
  std::string key(len, '\0');
  for (const Node* x = n; x->parent != nullptr; x = x->parent) {
    len -= x->name_size;
    std::memcpy(key.data() + len, x->name().data(), x->name_size);
    key[--len] = '/';
  }
  return key;
}

std::size_t NodeTree::depth_of(const Node* n) {
  std::size_t d = 0;
  for (const Node* x = n; x->parent != nullptr; x = x->parent) ++d;
  return d;
}

}  // namespace coord::store
