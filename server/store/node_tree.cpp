#include "server/store/node_tree.hpp"

#include <functional>
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

NodeTree::NodeTree() : root_(new Node), slots_(kInitialSlots, nullptr), mask_(kInitialSlots - 1) {
  root_->dir = true;
}

NodeTree::~NodeTree() { free_all(); }

NodeTree::NodeTree(NodeTree&& other) noexcept
    : root_(std::exchange(other.root_, nullptr)),
      slots_(std::move(other.slots_)),
      mask_(std::exchange(other.mask_, 0)),
      size_(std::exchange(other.size_, 0)) {}

NodeTree& NodeTree::operator=(NodeTree&& other) noexcept {
  if (this != &other) {
    free_all();
    root_ = std::exchange(other.root_, nullptr);
    slots_ = std::move(other.slots_);
    mask_ = std::exchange(other.mask_, 0);
    size_ = std::exchange(other.size_, 0);
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
    delete n;
  }
  root_ = nullptr;
  size_ = 0;
}

std::size_t NodeTree::home(const Node* parent, std::string_view name) const {
  auto h = std::hash<std::string_view>{}(name) ^ mix(reinterpret_cast<std::uintptr_t>(parent));
  return mix(h) & mask_;
}

Node* NodeTree::child(const Node* parent, std::string_view name) const {
  for (std::size_t i = home(parent, name);; i = (i + 1) & mask_) {
    Node* s = slots_[i];
    if (s == nullptr) return nullptr;
    if (s->parent == parent && s->name == name) return s;
  }
}

void NodeTree::index_insert(Node* n) {
  // Invariant: the index is at most 70% full, so probing always finds an empty slot.
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  std::size_t i = home(n->parent, n->name);
  while (slots_[i] != nullptr) i = (i + 1) & mask_;
  slots_[i] = n;
}

void NodeTree::index_erase(const Node* n) {
  std::size_t i = home(n->parent, n->name);
  while (slots_[i] != n) {
    COORD_CHECK(slots_[i] != nullptr, "node missing from the tree index");
    i = (i + 1) & mask_;
  }
  // Backward-shift deletion: pull later members of the probe run into the hole so lookups
  // never need tombstones.
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    Node* s = slots_[j];
    if (s == nullptr) break;
    std::size_t k = home(s->parent, s->name);
    bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    slots_[i] = s;
    i = j;
  }
  slots_[i] = nullptr;
}

void NodeTree::grow() {
  std::vector<Node*> old = std::move(slots_);
  slots_.assign(old.size() * 2, nullptr);
  mask_ = slots_.size() - 1;
  for (Node* s : old) {
    if (s == nullptr) continue;
    std::size_t i = home(s->parent, s->name);
    while (slots_[i] != nullptr) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

Node* NodeTree::add(Node* parent, std::string_view name, bool dir) {
  COORD_CHECK(parent->dir, "adding a child to a file");
  COORD_CHECK(!name.empty(), "adding a child with an empty name");
  auto* n = new Node;
  n->parent = parent;
  n->name.assign(name.data(), name.size());
  n->dir = dir;
  if (parent->first_child == nullptr) {
    parent->first_child = n;
    n->prev_sibling = n;
  } else {
    Node* last = parent->first_child->prev_sibling;
    last->next_sibling = n;
    n->prev_sibling = last;
    parent->first_child->prev_sibling = n;
  }
  index_insert(n);
  ++size_;
  return n;
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
    index_erase(x);  // hashes x->parent's address only; never reads the (maybe freed) parent
    --size_;
    delete x;
  }
}

std::string NodeTree::key_of(const Node* n) {
  std::size_t len = 0;
  for (const Node* x = n; x->parent != nullptr; x = x->parent) len += x->name.size() + 1;
  std::string key(len, '\0');
  for (const Node* x = n; x->parent != nullptr; x = x->parent) {
    len -= x->name.size();
    key.replace(len, x->name.size(), x->name);
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
