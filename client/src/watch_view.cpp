#include "client/src/watch_view.hpp"

namespace coord::detail {

namespace {

bool same(const Node& a, const Node& b) {
  return a.dir == b.dir && a.value == b.value && a.modified_index == b.modified_index &&
         a.created_index == b.created_index;
}

bool is_delete(const std::string& action) {
  return action == "delete" || action == "compareAndDelete" || action == "expire";
}

}  // namespace

void WatchView::add(const Node& node, bool children, std::map<std::string, Node>& into) const {
  Node flat = node;
  flat.nodes.clear();
  into[node.key.empty() ? "/" : node.key] = flat;
  if (!children) return;
  for (const Node& child : node.nodes) add(child, true, into);
}

void WatchView::erase_subtree(const std::string& key) {
  nodes_.erase(key);
  std::string prefix = key == "/" ? "/" : key + "/";
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it = nodes_.erase(it);
  }
}

std::vector<Response> WatchView::reset(const Response& snapshot, bool exists) {
  std::map<std::string, Node> fresh;
  if (exists) add(snapshot.node, recursive_, fresh);
  std::vector<Response> changes;
  auto old_it = nodes_.begin();
  auto new_it = fresh.begin();
  // Merge walk over two sorted maps.
  while (old_it != nodes_.end() || new_it != fresh.end()) {
    bool take_old = new_it == fresh.end() || (old_it != nodes_.end() && old_it->first < new_it->first);
    bool take_new = old_it == nodes_.end() || (new_it != fresh.end() && new_it->first < old_it->first);
    Response r;
    r.etcd_index = snapshot.etcd_index;
    if (take_old) {
      r.action = "delete";
      r.node.key = old_it->first;
      r.node.dir = old_it->second.dir;
      r.prev_node = old_it->second;
      changes.push_back(std::move(r));
      ++old_it;
    } else if (take_new) {
      r.action = "set";
      r.node = new_it->second;
      changes.push_back(std::move(r));
      ++new_it;
    } else {
      if (!same(old_it->second, new_it->second)) {
        r.action = "set";
        r.node = new_it->second;
        r.prev_node = old_it->second;
        changes.push_back(std::move(r));
      }
      ++old_it;
      ++new_it;
    }
  }
  nodes_ = std::move(fresh);
  return changes;
}

void WatchView::apply(const Response& event) {
  const std::string& key = event.node.key.empty() ? std::string("/") : event.node.key;
  if (is_delete(event.action)) {
    erase_subtree(key);  // a dir's delete or expiry removes everything below it
    return;
  }
  if (!recursive_ && key != key_) return;
  if (event.node.dir) erase_subtree(key);  // set dir=true may replace a file
  add(event.node, false, nodes_);
}

}  // namespace coord::detail
