// Store: update, compare-and-swap, delete, compare-and-delete, expiry and watch. The stats
// counted on the early errors follow etcd exactly, quirks included (etcd 3.4's v2 API):
// its Update/CompareAndSwap/Delete return some errors without recording them, so they count as
// successes.
#include <memory>
#include <utility>

#include "server/store/store.hpp"

namespace coord::store {

namespace {
std::string compare_fail_cause(const Node* n, std::optional<std::string_view> prev_value,
                               std::uint64_t prev_index, bool value_ok, bool index_ok) {
  std::string value_part;
  value_part.append("[").append(prev_value.value_or("")).append(" != ").append(n->value).append("]");
  std::string index_part;
  index_part.append("[").append(std::to_string(prev_index)).append(" != ");
  index_part.append(std::to_string(n->modified_index)).append("]");
  if (!value_ok && !index_ok) return value_part.append(" ").append(index_part);
  return value_ok ? index_part : value_part;
}

bool has_condition(std::optional<std::string_view> v) { return v.has_value() && !v->empty(); }
}  // namespace

EventResult Store::update(std::string_view key, std::string_view value,
                          std::optional<UnixNanos> expiration, bool refresh, UnixNanos now) {
  Parts parts = split(key);
  if (parts.empty()) {
    counters_.bump(Counter::kUpdateSuccess);  // etcd quirk: not counted as a failure
    return error(kEcodeRootROnly, "/");
  }
  auto found = lookup(parts);
  if (!found.ok()) {
    counters_.bump(Counter::kUpdateFail);
    return std::move(found).error();
  }
  Node* n = found.value();
  std::string k = join(parts);
  if (n->dir && !value.empty()) {
    counters_.bump(Counter::kUpdateSuccess);  // etcd quirk: not counted as a failure
    return error(kEcodeNotFile, std::move(k));
  }
  std::uint64_t next = index_ + 1;
  Event e;
  e.action = action::kUpdate;
  // A file's value is replaced unless this is a refresh: it moves into prevNode.
  e.prev_node = !n->dir && !refresh ? repr_taking_value(n, k, now) : repr(n, k, now);
  ttl_.erase(n);
  if (!n->dir) {
    // A dir keeps its stored modifiedIndex although the event shows a new one (§10 item 2).
    if (!refresh) n->value.assign(value.data(), value.size());
    n->modified_index = next;
  }
  set_expiration(n, expiration);
  index_ = next;

  e.node.key = std::move(k);
  e.node.dir = n->dir;
  if (!n->dir) e.node.value = n->value;
  fill_expiration(n, e.node, now);
  e.node.modified_index = next;
  e.node.created_index = n->created_index;
  e.etcd_index = next;
  e.refresh = refresh;
  counters_.bump(Counter::kUpdateSuccess);
  return publish(std::move(e));
}

V2Result<Node*> Store::compare_target(const Parts& parts, const std::string& key,
                                       std::optional<std::string_view> prev_value, std::uint64_t prev_index,
                                       Counter fail) {
  auto found = lookup(parts);
  if (!found.ok()) {
    counters_.bump(fail);
    return std::move(found).error();
  }
  Node* n = found.value();
  if (n->dir) {
    counters_.bump(fail);
    return error(kEcodeNotFile, key);
  }
  const bool value_ok = !has_condition(prev_value) || n->value == *prev_value;
  const bool index_ok = prev_index == 0 || n->modified_index == prev_index;
  if (!value_ok || !index_ok) {
    counters_.bump(fail);
    return error(kEcodeTestFailed, compare_fail_cause(n, prev_value, prev_index, value_ok, index_ok));
  }
  return n;
}

EventResult Store::compare_and_swap(std::string_view key,
                                    std::optional<std::string_view> prev_value,
                                    std::uint64_t prev_index, std::string_view value,
                                    std::optional<UnixNanos> expiration, bool refresh,
                                    UnixNanos now) {
  Parts parts = split(key);
  if (parts.empty()) {
    counters_.bump(Counter::kCasSuccess);  // etcd quirk: not counted as a failure
    return error(kEcodeRootROnly, "/");
  }
  std::string k = join(parts);
  auto target = compare_target(parts, k, prev_value, prev_index, Counter::kCasFail);
  if (!target.ok()) return std::move(target).error();
  Node* n = target.value();
  std::uint64_t next = index_ + 1;
  Event e;
  e.action = action::kCompareAndSwap;
  e.prev_node = refresh ? repr(n, k, now) : repr_taking_value(n, k, now);
  ttl_.erase(n);
  if (!refresh) n->value.assign(value.data(), value.size());
  n->modified_index = next;
  set_expiration(n, expiration);
  index_ = next;

  e.node = repr(n, std::move(k), now);
  e.etcd_index = next;
  e.refresh = refresh;
  counters_.bump(Counter::kCasSuccess);
  return publish(std::move(e));
}

std::vector<std::string> Store::removed_watched_paths(const Node* n, const std::string& key) const {
  std::vector<std::string> out;
  if (!n->dir || !n->has_children() || hub_.count() == 0) return out;
  // Only watchers on nodes that exist inside the dir are told (a watch on a never-created path
  // below it is not woken, etcd 3.4's v2 API), so resolve each watched key below the dir.
  for (std::string& w : hub_.watched_below(key)) {
    const Node* cur = n;
    for (std::string_view part : split(std::string_view(w).substr(key.size()))) {
      cur = cur->dir ? tree_.child(cur, part) : nullptr;
      if (cur == nullptr) break;
    }
    if (cur != nullptr) out.push_back(std::move(w));
  }
  return out;
}

void Store::remove_subtree(Node* n) {
  if (!ttl_.empty()) {
    std::vector<Node*> stack{n};
    while (!stack.empty()) {
      Node* x = stack.back();
      stack.pop_back();
      ttl_.erase(x);
      for (Node* c = x->first_child; c != nullptr; c = c->next_sibling) stack.push_back(c);
    }
  }
  tree_.destroy(n);
}

EventResult Store::remove(std::string_view key, bool dir, bool recursive, UnixNanos now) {
  Parts parts = split(key);
  if (parts.empty()) {
    counters_.bump(Counter::kDeleteSuccess);  // etcd quirk: not counted as a failure
    return error(kEcodeRootROnly, "/");
  }
  if (recursive) dir = true;
  auto found = lookup(parts);
  if (!found.ok()) {
    counters_.bump(Counter::kDeleteFail);
    return std::move(found).error();
  }
  Node* n = found.value();
  std::string k = join(parts);
  if (n->dir && !dir) {
    counters_.bump(Counter::kDeleteFail);
    return error(kEcodeNotFile, std::move(k));
  }
  if (n->dir && n->has_children() && !recursive) {
    counters_.bump(Counter::kDeleteFail);
    return error(kEcodeDirNotEmpty, std::move(k));
  }
  return remove_as(action::kDelete, n, std::move(k), now, Counter::kDeleteSuccess);
}

EventPtr Store::remove_as(const char* action_name, Node* n, std::string key, UnixNanos now, Counter counter) {
  const std::uint64_t next = index_ + 1;
  Event e;
  e.action = action_name;
  e.prev_node = repr_taking_value(n, key, now);  // `n` is destroyed below
  e.node.dir = n->dir;
  e.node.modified_index = next;
  e.node.created_index = n->created_index;
  e.etcd_index = next;
  std::vector<std::string> removed = removed_watched_paths(n, key);
  e.node.key = std::move(key);
  remove_subtree(n);
  index_ = next;
  counters_.bump(counter);
  return publish(std::move(e), removed);
}

EventResult Store::compare_and_delete(std::string_view key,
                                      std::optional<std::string_view> prev_value,
                                      std::uint64_t prev_index, UnixNanos now) {
  Parts parts = split(key);
  // On the root the key is "" so its 102 error has no cause, as in etcd (§10 item 7).
  std::string k = join(parts);
  auto target = compare_target(parts, k, prev_value, prev_index, Counter::kCadFail);
  if (!target.ok()) return std::move(target).error();
  return remove_as(action::kCompareAndDelete, target.value(), std::move(k), now, Counter::kCadSuccess);
}

std::vector<EventPtr> Store::expire(UnixNanos now) {
  std::vector<EventPtr> out;
  for (Node* n = ttl_.first(); n != nullptr && n->expiration <= now; n = ttl_.first())
    out.push_back(remove_as(action::kExpire, n, NodeTree::key_of(n), now, Counter::kExpireCount));
  return out;
}

V2Result<WatchStart> Store::watch(std::string_view key, bool recursive, bool stream,
                                  std::uint64_t since_index, WatchSink sink) {
  Parts parts = split(key);
  std::string k = parts.empty() ? std::string("/") : join(parts);
  std::uint64_t since = since_index == 0 ? index_ + 1 : since_index;
  EventHistory::ScanResult found = history_.scan(k, recursive, since);
  if (found.cleared_start) {
    return error(kEcodeEventIndexCleared, "the requested history has been cleared [" +
                                              std::to_string(*found.cleared_start) + "/" +
                                              std::to_string(since) + "]");
  }
  WatchStart start;
  start.etcd_index = index_;
  if (found.event) {
    // A hit from history answers at once, with X-Etcd-Index = the current index.
    auto copy = std::make_shared<Event>(*found.event);
    copy->etcd_index = index_;
    start.immediate = std::move(copy);
    return start;
  }
  start.id = hub_.add(std::move(k), recursive, stream, since, std::move(sink));
  return start;
}

}  // namespace coord::store
