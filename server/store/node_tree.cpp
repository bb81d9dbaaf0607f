#include "server/store/node_tree.hpp"

#include <cstddef>
#include <cstring>
#include <functional>
#include <new>
#include <utility>

#include "server/common/check.hpp"

namespace coord::store {

namespace {
constexpr std::size_t kInitialSlots = 64;

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

NodeTree::NodeTree() : root_(make_node({}, true)), slots_(kInitialSlots, 0), mask_(kInitialSlots - 1) {}

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
      mask_(std::exchange(other.mask_, 0)),
      size_(std::exchange(other.size_, 0)),
      pending_(std::move(other.pending_)) {}

NodeTree& NodeTree::operator=(NodeTree&& other) noexcept {
  if (this != &other) {
    free_all();
    root_ = std::exchange(other.root_, nullptr);
    slots_ = std::move(other.slots_);
    mask_ = std::exchange(other.mask_, 0);
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

Node* NodeTree::child(const Node* parent, std::string_view name) const {
  std::uint64_t h = hash_of(parent, name);
  std::uintptr_t tag = h & kTagMask;
  for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
    std::uintptr_t s = slots_[i];
    if (s == 0) return nullptr;
    if ((s & kTagMask) != tag) continue;
    Node* n = untag(s);
    if (n->parent == parent && n->name() == name) return n;
  }
}

void NodeTree::index_erase(const Node* n) {
  std::size_t i = n->hash & mask_;
  while (untag(slots_[i]) != n) {
    COORD_CHECK(slots_[i] != 0, "node missing from the tree index");
    i = (i + 1) & mask_;
  }
  // Backward-shift deletion: pull later members of the probe run into the hole so lookups
  // never need tombstones.
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    std::uintptr_t s = slots_[j];
    if (s == 0) break;
    std::size_t k = untag(s)->hash & mask_;
    bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    slots_[i] = s;
    i = j;
  }
  slots_[i] = 0;
}

void NodeTree::grow() {
  std::vector<std::uintptr_t> old = std::move(slots_);
  slots_.assign(old.size() * 2, 0);
  mask_ = slots_.size() - 1;
  for (std::uintptr_t s : old) {
    if (s == 0) continue;
    std::size_t i = untag(s)->hash & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
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
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  std::uint64_t h = hash_of(parent, name);
  std::uintptr_t tag = h & kTagMask;
  std::size_t i = h & mask_;
  for (; slots_[i] != 0; i = (i + 1) & mask_) {
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
  while (nodes * 10 > slots_.size() * 7) grow();
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
  // size_ counts the pending nodes already (link()): room for all of them, so no grow() below.
  reserve(size_);
  // Far enough ahead for the slot's cache line to arrive before its turn, near enough that
  // it is still cached then.
  constexpr std::size_t kAhead = 8;
  const std::size_t count = pending_.size();
  for (std::size_t k = 0; k < count; ++k) {
    if (k + kAhead < count) __builtin_prefetch(&slots_[pending_[k + kAhead]->hash & mask_], 1);
    Node* n = pending_[k];
    const std::uintptr_t tag = n->hash & kTagMask;
    std::size_t i = n->hash & mask_;
    for (; slots_[i] != 0; i = (i + 1) & mask_) {
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
