// Internal: the Watcher's own picture of the watched key or subtree (key -> node summary), built
// from the snapshot and kept current by applying each delivered event. On a resync it is compared
// with the fresh snapshot to produce the changes the lost history would have shown, as synthetic
// events (recipes.md §4.0 C.5). Not thread-safe: used on the watcher's strand only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "coord/types.hpp"

namespace coord::detail {

class WatchView {
 public:
  // `recursive`: the view covers the whole subtree; otherwise only the watched node itself.
  WatchView(std::string key, bool recursive) : key_(std::move(key)), recursive_(recursive) {}

  // Replaces the view with `snapshot` (a recursive GET of the key; `exists` false when missing)
  // and returns the differences from the previous view as events: "set" for new or changed
  // nodes, "delete" (with prev_node) for vanished ones, in key order.
  std::vector<Response> reset(const Response& snapshot, bool exists);
  // Applies one watch event.
  void apply(const Response& event);

 private:
  void add(const Node& node, bool children, std::map<std::string, Node>& into) const;
  void erase_subtree(const std::string& key);

  std::string key_;
  bool recursive_;
  std::map<std::string, Node> nodes_;  // without children: `nodes` is always empty here
};

}  // namespace coord::detail
