#include "server/store/event.hpp"

namespace coord::store {

// etcd answers 201 for a create, and for a set that found no previous node (etcd 3.4's v2 API).
bool Event::is_created() const {
  if (action == action::kCreate) return true;
  return action == action::kSet && !prev_node.has_value();
}

}  // namespace coord::store
