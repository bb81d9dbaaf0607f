// Store: paths, lookups, node representation, GET, set and create. The other writes are in
// store_write.cpp, membership in store_members.cpp, snapshots in store_snapshot.cpp.
// Each method follows the order of checks of etcd's v2store so errors and stats match.
#include "server/store/store.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <span>
#include <utility>

namespace coord::store {

Store::Store() = default;

Store::Parts Store::split(std::string_view key) {
  // The http layer sends clean keys; this also cleans "//", "." and ".." like Go's path.Clean
  // so the store never stores an empty or dot name.
  Parts parts;
  parts.reserve(static_cast<std::size_t>(std::count(key.begin(), key.end(), '/')) + 1);  // none within kInlineParts
  std::size_t i = 0;
  while (i < key.size()) {
    std::size_t j = key.find('/', i);
    if (j == std::string_view::npos) j = key.size();
    std::string_view part = key.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  return parts;
}

std::string Store::join(const Parts& parts) {
  std::string out;
  for (std::string_view p : parts) {
    out.push_back('/');
    out.append(p.data(), p.size());
  }
  return out;
}

namespace {
std::string join_prefix(std::span<const std::string_view> parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back('/');
    out.append(parts[i].data(), parts[i].size());
  }
  return out;
}
}  // namespace

V2Error Store::too_deep() const {
  return error(kEcodeInvalidField, "key has more than " + std::to_string(kMaxKeyDepth) + " levels");
}

V2Result<Node*> Store::lookup(const Parts& parts) const {
  Node* cur = const_cast<Node*>(tree_.root());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!cur->dir) return error(kEcodeNotDir, join_prefix(parts, i));
    Node* c = tree_.child(cur, parts[i]);
    if (c == nullptr) return error(kEcodeKeyNotFound, join_prefix(parts, i + 1));
    cur = c;
  }
  return cur;
}

V2Result<Node*> Store::make_dirs(const Parts& parts, std::size_t count, std::uint64_t index) {
  Node* cur = tree_.root();
  for (std::size_t i = 0; i < count; ++i) {
    Node* c = tree_.child(cur, parts[i]);
    if (c == nullptr) {
      // Implicit parents are permanent dirs carrying the index of the write that made them.
      c = tree_.add(cur, parts[i], true);
      c->created_index = c->modified_index = index;
    } else if (!c->dir) {
      return error(kEcodeNotDir, join_prefix(parts, i + 1));
    }
    cur = c;
  }
  return cur;
}

namespace {
// ceil((expiration - now) / 1 s) for a future expiration; truncated toward zero once past,
// exactly like etcd (so an expired node shows 0 and the field is left out).
std::int64_t ttl_at(UnixNanos expiration, UnixNanos now) {
  UnixNanos d = expiration - now;
  std::int64_t ttl = d / kNanosPerSecond;
  if (d % kNanosPerSecond > 0) ++ttl;
  return ttl;
}
}  // namespace

void Store::fill_expiration(const Node* n, NodeExtern& out, UnixNanos now) {
  if (n->permanent()) return;
  out.expiration = n->expiration;
  out.ttl = ttl_at(n->expiration, now);
}

NodeExtern Store::repr_without_value(const Node* n, std::string key, UnixNanos now) {
  NodeExtern out;
  out.key = std::move(key);
  out.dir = n->dir;
  fill_expiration(n, out, now);
  out.modified_index = n->modified_index;
  out.created_index = n->created_index;
  return out;
}

NodeExtern Store::repr(const Node* n, std::string key, UnixNanos now) const {
  NodeExtern out = repr_without_value(n, std::move(key), now);
  if (!n->dir) out.value = n->value;
  return out;
}

NodeExtern Store::repr_taking_value(Node* n, std::string key, UnixNanos now) {
  NodeExtern out = repr_without_value(n, std::move(key), now);
  if (!n->dir) out.value = std::exchange(n->value, std::string());
  return out;
}

NodeView Store::view_of(const Node* n, std::string_view key, UnixNanos now) {
  NodeView v;
  v.key = key;
  v.dir = n->dir;
  if (!n->dir) v.value = n->value;
  if (!n->permanent()) {
    v.expiration = n->expiration;
    v.ttl = ttl_at(n->expiration, now);
  }
  v.modified_index = n->modified_index;
  v.created_index = n->created_index;
  return v;
}

void Store::listed_children(const Node* n, bool sorted, std::vector<const Node*>& out) {
  out.clear();
  for (const Node* c = n->first_child; c != nullptr; c = c->next_sibling)
    if (!c->hidden()) out.push_back(c);
  // Sibling keys share the dir's prefix, so ordering by name is ordering by key.
  if (sorted) std::sort(out.begin(), out.end(), [](const Node* a, const Node* b) { return a->name() < b->name(); });
}

V2Result<std::uint64_t> Store::get_into(std::string_view key, bool recursive, bool sorted, UnixNanos now,
                                        ListingSink& sink) const {
  Parts parts = split(key);
  auto found = lookup(parts);
  if (!found.ok()) {
    counters_.bump(Counter::kGetsFail);
    return std::move(found).error();
  }
  // Depth first with an explicit stack (a tree may be deeper than the call stack allows). `path`
  // holds the key of the node being visited; each frame a dir whose children are being visited,
  // its key being path[0, key_size). Invariant: path.substr(0, key_size) of every frame is
  // its dir's key, since a child's key only appends to it.
  struct Frame {
    const Node* dir;
    std::vector<const Node*> children;
    std::size_t next;
    std::size_t key_size;
  };
  std::vector<Frame> stack;
  std::string path = join(parts);
  // Visits `n` (key: path): whole when it lists no child, else up to its children (a frame).
  const auto visit = [&](const Node* n, bool list) {
    std::vector<const Node*> children;
    if (n->dir && list) listed_children(n, sorted, children);
    sink.begin(view_of(n, path, now), children.size());
    if (children.empty()) return sink.end(view_of(n, path, now));
    stack.push_back(Frame{n, std::move(children), 0, path.size()});
  };
  visit(found.value(), true);  // a GET always lists one level; deeper ones with `recursive`
  while (!stack.empty()) {
    Frame& top = stack.back();
    path.resize(top.key_size);
    if (top.next == top.children.size()) {
      sink.end(view_of(top.dir, path, now));
      stack.pop_back();
      continue;
    }
    // Listing nodes costs mostly cache misses: the children are scattered over the heap and
    // each value is an allocation of its own. Fetch ahead: the node kNodeAhead on, and the value
    // of the one kValueAhead on (its node was fetched kNodeAhead - kValueAhead steps ago).
    constexpr std::size_t kNodeAhead = 16;
    constexpr std::size_t kValueAhead = 8;
    if (top.next + kNodeAhead < top.children.size()) {
      const char* ahead = reinterpret_cast<const char*>(top.children[top.next + kNodeAhead]);
      __builtin_prefetch(ahead);
      __builtin_prefetch(ahead + 64);
    }
    if (top.next + kValueAhead < top.children.size()) __builtin_prefetch(top.children[top.next + kValueAhead]->value.data());
    const Node* c = top.children[top.next++];
    path.push_back('/');
    path.append(c->name());
    visit(c, recursive);  // may push: `top` is not used after this
  }
  counters_.bump(Counter::kGetsSuccess);
  return index_;
}

void Store::list_children(const Node* n, bool recursive, bool sorted, UnixNanos now, NodeExtern& out) const {
  // An explicit stack, not recursion: a listing is as deep as the tree, and a tree recovered
  // from an old data dir or a peer's snapshot may be deeper than the call stack allows.
  // Each entry is a dir and the listing its children go into. Invariant: a dir's `nodes` is
  // filled completely before any of its children is pushed, so the pointers into it stay valid.
  struct Pending {
    const Node* dir;
    NodeExtern* listing;
  };
  std::vector<Pending> stack{{n, &out}};
  std::vector<const Node*> children;
  while (!stack.empty()) {
    const Pending p = stack.back();
    stack.pop_back();
    children.clear();
    for (const Node* c = p.dir->first_child; c != nullptr; c = c->next_sibling)
      if (!c->hidden()) children.push_back(c);
    // Sibling keys share the dir's prefix, so ordering by name is ordering by key.
    if (sorted)
      std::sort(children.begin(), children.end(), [](const Node* a, const Node* b) { return a->name() < b->name(); });
    const std::string& dir_key = p.listing->key;
    p.listing->nodes.reserve(children.size());
    for (const Node* c : children) {
      std::string child_key;
      child_key.reserve(dir_key.size() + 1 + c->name_size);
      child_key.append(dir_key).append(1, '/').append(c->name());
      p.listing->nodes.push_back(repr(c, std::move(child_key), now));
    }
    if (!recursive) continue;
    for (std::size_t i = 0; i < children.size(); ++i)
      if (children[i]->dir) stack.push_back({children[i], &p.listing->nodes[i]});
  }
}

V2Result<Event> Store::get(std::string_view key, bool recursive, bool sorted, UnixNanos now) const {
  Parts parts = split(key);
  auto found = lookup(parts);
  if (!found.ok()) {
    counters_.bump(Counter::kGetsFail);
    return std::move(found).error();
  }
  const Node* n = found.value();
  Event e;
  e.action = action::kGet;
  e.node.key = join(parts);
  e.node.dir = n->dir;
  if (n->dir) {
    // A GET always lists one level; deeper levels only with `recursive`.
    list_children(n, recursive, sorted, now, e.node);
  } else {
    e.node.value = n->value;
  }
  fill_expiration(n, e.node, now);
  e.node.modified_index = n->modified_index;
  e.node.created_index = n->created_index;
  e.etcd_index = index_;
  counters_.bump(Counter::kGetsSuccess);
  return e;
}

void Store::set_expiration(Node* n, std::optional<UnixNanos> expiration) {
  // Invariant: callers have taken `n` out of ttl_ before changing its fields.
  n->expiration = expiration.value_or(kPermanent);
  if (!n->permanent()) ttl_.insert(n);
}

EventPtr Store::publish(Event e, const std::vector<std::string>& removed_paths) {
  auto p = std::make_shared<const Event>(std::move(e));
  history_.add(index_, p);
  // A refresh is remembered (it holds a history slot) but never delivered.
  if (p->refresh) return p;
  hub_.notify(p, removed_paths, fan_out_);
  if (!defer_fan_out_ && !fan_out_.empty())
    for (WatchId id : take_fan_out().run()) hub_.remove(id);
  return p;
}

EventResult Store::set(std::string_view key, bool dir, std::string_view value,
                       std::optional<UnixNanos> expiration, UnixNanos now, bool refresh) {
  auto r = set_impl(split(key), dir, value, expiration, now, refresh);
  counters_.bump(r.ok() ? Counter::kSetsSuccess : Counter::kSetsFail);
  return r;
}

EventResult Store::set_impl(const Parts& parts, bool dir, std::string_view value,
                            std::optional<UnixNanos> expiration, UnixNanos now, bool refresh) {
  auto found = lookup(parts);
  if (!found.ok() && found.error().code != kEcodeKeyNotFound) return std::move(found).error();
  if (refresh && !found.ok()) return std::move(found).error();
  if (parts.empty()) return error(kEcodeRootROnly, "/");
  if (!found.ok() && parts.size() > kMaxKeyDepth) return too_deep();
  std::string key = join(parts);
  Node* n = found.ok() ? found.value() : nullptr;
  if (n != nullptr && n->dir) return error(kEcodeNotFile, key);

  std::uint64_t next = index_ + 1;
  Event e;
  e.action = action::kSet;
  if (n != nullptr) {
    // Replace the file in place: a set starts a new life (createdIndex resets), and a file
    // has no children, so it may also turn into an empty dir.
    // Unless this is a refresh the old value is replaced: it moves into prevNode.
    e.prev_node = refresh ? repr(n, key, now) : repr_taking_value(n, key, now);
    std::string kept = refresh ? std::move(n->value) : std::string();
    ttl_.erase(n);
    n->dir = dir;
    n->value.clear();
    if (!dir) {
      if (refresh) n->value = std::move(kept); else n->value.assign(value.data(), value.size());
    }
  } else {
    auto parent = make_dirs(parts, parts.size() - 1, next);
    if (!parent.ok()) return std::move(parent).error();
    n = tree_.add(parent.value(), parts.back(), dir);
    if (!dir) n->value.assign(value.data(), value.size());
  }
  n->created_index = n->modified_index = next;
  set_expiration(n, expiration);
  index_ = next;

  e.node = repr(n, std::move(key), now);
  e.etcd_index = next;
  e.refresh = refresh;
  return publish(std::move(e));
}

EventResult Store::create(std::string_view key, bool dir, std::string_view value, bool unique,
                          std::optional<UnixNanos> expiration, UnixNanos now) {
  auto r = create_impl(split(key), dir, value, unique, expiration, now);
  counters_.bump(r.ok() ? Counter::kCreateSuccess : Counter::kCreateFail);
  return r;
}

EventResult Store::create_impl(Parts parts, bool dir, std::string_view value, bool unique,
                               std::optional<UnixNanos> expiration, UnixNanos now) {
  std::uint64_t next = index_ + 1;
  char seq[32];
  if (unique) {
    std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(next));
    parts.emplace_back(seq);
  }
  if (parts.empty()) return error(kEcodeRootROnly, "/");
  if (parts.size() > kMaxKeyDepth) return too_deep();
  auto parent = make_dirs(parts, parts.size() - 1, next);
  if (!parent.ok()) {
    // etcd's internalCreate counts a failed walk as a failed set too (etcd 3.4's v2 API).
    counters_.bump(Counter::kSetsFail);
    return std::move(parent).error();
  }
  std::string key = join(parts);
  if (tree_.child(parent.value(), parts.back()) != nullptr) return error(kEcodeNodeExist, key);
  Node* n = tree_.add(parent.value(), parts.back(), dir);
  if (!dir) n->value.assign(value.data(), value.size());
  n->created_index = n->modified_index = next;
  set_expiration(n, expiration);
  index_ = next;

  Event e;
  e.action = action::kCreate;
  e.node = repr(n, std::move(key), now);
  e.etcd_index = next;
  return publish(std::move(e));
}

}  // namespace coord::store
