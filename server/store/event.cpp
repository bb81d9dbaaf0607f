#include "server/store/event.hpp"

namespace coord::store {

NodeExtern::~NodeExtern() {
  if (nodes.empty()) return;
  // Invariant: every NodeExtern this loop destroys has no children left (moved out first), so
  // no destructor below this frame recurses.
  std::vector<NodeExtern> pending = std::move(nodes);
  while (!pending.empty()) {
    NodeExtern last = std::move(pending.back());
    pending.pop_back();
    for (NodeExtern& c : last.nodes) pending.push_back(std::move(c));
    last.nodes.clear();
  }
}

// etcd answers 201 for a create, and for a set that found no previous node (etcd 3.4's v2 API).
bool Event::is_created() const {
  if (action == action::kCreate) return true;
  return action == action::kSet && !prev_node.has_value();
}

}  // namespace coord::store
