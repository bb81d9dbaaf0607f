#include "server/store/ttl_index.hpp"

#include "server/common/check.hpp"

namespace coord::store {

TtlIndex::Entry TtlIndex::entry_of(const Node* n) {
  return Entry{n->expiration, n->modified_index, NodeTree::depth_of(n), const_cast<Node*>(n)};
}

void TtlIndex::insert(const Node* n) {
  COORD_CHECK(!n->permanent(), "a permanent node in the ttl index");
  bool inserted = set_.insert(entry_of(n)).second;
  COORD_CHECK(inserted, "node already in the ttl index");
}

void TtlIndex::erase(const Node* n) {
  if (n->permanent()) return;
  std::size_t erased = set_.erase(entry_of(n));
  // Invariant: every node with an expiration is tracked under its current fields.
  COORD_CHECK(erased == 1, "ttl node missing from the ttl index");
}

Node* TtlIndex::first() const { return set_.empty() ? nullptr : set_.begin()->node; }

}  // namespace coord::store
