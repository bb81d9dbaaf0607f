// TtlIndex: the nodes that carry an expiration, ordered by when they expire. Expiry must assign
// indexes in the same order on every member, also on one that recovered from a snapshot, so the
// order is total and depends only on replicated state: (expiration, modifiedIndex, depth).
// Two nodes never tie on all three: nodes sharing a modifiedIndex were made by one write and
// sit on one path at different depths. Not thread-safe (owned by Store).
#pragma once

#include <cstddef>
#include <set>
#include <tuple>

#include "server/store/node_tree.hpp"

namespace coord::store {

class TtlIndex {
 public:
  // Starts tracking `n`, which must have an expiration. Its expiration and modifiedIndex must
  // not change until erase(n).
  void insert(const Node* n);
  // Stops tracking `n` (a no-op for a permanent node).
  void erase(const Node* n);
  // The node that expires first, or null.
  Node* first() const;
  bool empty() const { return set_.empty(); }
  std::size_t size() const { return set_.size(); }
  void clear() { set_.clear(); }

 private:
  struct Entry {
    UnixNanos expiration;
    std::uint64_t modified_index;
    std::size_t depth;
    Node* node;
    bool operator<(const Entry& o) const {
      return std::tie(expiration, modified_index, depth, node) <
             std::tie(o.expiration, o.modified_index, o.depth, o.node);
    }
  };
  static Entry entry_of(const Node* n);
  std::set<Entry> set_;
};

}  // namespace coord::store
