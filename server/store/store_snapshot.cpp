// Store: save() and recover(), the snapshot encoding described in store.hpp. Both walk the tree
// with an explicit stack, so neither a deep tree nor hostile input can overflow the call stack,
// and recover() builds the new state aside and swaps it in only when all of it decoded.
#include <algorithm>
#include <utility>

#include "server/auth/auth_codec.hpp"
#include "server/common/coding.hpp"
#include "server/store/store.hpp"

namespace coord::store {

namespace {
constexpr std::uint8_t kFlagDir = 1;
constexpr std::uint8_t kFlagExpiration = 2;
// The fewest bytes a node can take: name length + 1 name byte + flags + two indexes + value
// length or child count. Bounds the counts a corrupt header could claim.
constexpr std::size_t kMinNodeBytes = 6;

std::uint64_t child_count(const Node* n) {
  std::uint64_t c = 0;
  for (const Node* x = n->first_child; x != nullptr; x = x->next_sibling) ++c;
  return c;
}


bool valid_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}
}  // namespace

std::string Store::save(std::size_t size_hint) const {
  std::string out;
  out.reserve(std::max<std::size_t>(size_hint, 64 + tree_.size() * 48));
  Encoder e(out);
  save_meta(e);
  save_tree(e);
  return out;
}

void Store::save_meta(Encoder& e) const {
  e.put_u32(kSnapshotMagic);
  e.put_u8(kSnapshotVersion);
  e.put_u64(index_);
  for (std::size_t i = 0; i < kCounterCount; ++i) e.put_varint(counters_.get(i));
  e.put_bytes(cluster_version_);
  e.put_varint(members_.size());
  for (const auto& [id, m] : members_) {
    e.put_u64(id);
    e.put_bytes(m.name);
    e.put_strings(m.peer_urls);
    e.put_strings(m.client_urls);
  }
  e.put_varint(removed_.size());
  for (std::uint64_t id : removed_) e.put_u64(id);
  auth::encode_state(e, auth_);
}

void Store::save_tree(Encoder& e) const {
  e.put_varint(tree_.size());
  e.put_varint(child_count(tree_.root()));
  // Each stack entry is the next sibling still to write at that depth.
  std::vector<const Node*> stack{tree_.root()->first_child};
  while (!stack.empty()) {
    const Node* n = stack.back();
    if (n == nullptr) {
      stack.pop_back();
      continue;
    }
    stack.back() = n->next_sibling;
    e.put_bytes(n->name());
    e.put_u8((n->dir ? kFlagDir : 0) | (n->permanent() ? 0 : kFlagExpiration));
    e.put_varint(n->created_index);
    e.put_varint(n->modified_index);
    if (!n->permanent()) e.put_i64(n->expiration);
    if (n->dir) {
      e.put_varint(child_count(n));
      stack.push_back(n->first_child);
    } else {
      e.put_bytes(n->value);
    }
  }
}

Status Store::decode_meta(Decoder& d, DecodedState& st) {
  std::uint32_t magic = 0;
  std::uint8_t version = 0;
  if (!d.get_u32(magic) || magic != kSnapshotMagic) return Status::corruption("store snapshot: bad magic");
  if (!d.get_u8(version) || (version != kSnapshotVersion && version != kSnapshotVersionWithoutAuth)) {
    return Status::corruption("store snapshot: unsupported version");
  }
  d.get_u64(st.index_);
  for (auto& c : st.counters_) d.get_varint(c);
  d.get_bytes(st.cluster_version_);
  std::uint64_t count = 0;
  if (!d.get_count(count, 11)) return Status::corruption("store snapshot: bad member count");
  for (std::uint64_t i = 0; i < count && d.ok(); ++i) {
    Member m;
    d.get_u64(m.id);
    d.get_bytes(m.name);
    if (!d.get_strings(m.peer_urls) || !d.get_strings(m.client_urls)) break;
    st.members_[m.id] = std::move(m);
  }
  if (!d.get_count(count, 8)) return Status::corruption("store snapshot: bad removed-member count");
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t id = 0;
    if (!d.get_u64(id)) return Status::corruption("store snapshot: truncated removed members");
    st.removed_.insert(id);
  }
  if (version == kSnapshotVersion) return auth::decode_state(d, st.auth_);
  return Status::ok();
}

Result<Node*> Store::decode_node(Decoder& d, DecodedState& st, Node* parent, std::uint64_t& children) {
  std::string_view name;
  std::uint8_t flags = 0;
  std::uint64_t created = 0, modified = 0;
  std::int64_t expiration = kPermanent;
  if (!d.get_bytes(name) || !d.get_u8(flags) || !d.get_varint(created) || !d.get_varint(modified)) {
    return Status::corruption("store snapshot: truncated node");
  }
  if (flags > (kFlagDir | kFlagExpiration) || !valid_name(name)) {
    return Status::corruption("store snapshot: bad node header");
  }
  // A node written after the index the image claims would break every "index <= etcd index"
  // rule later writes, watches and waitIndex rely on (check_invariants tests it too).
  if (created > st.index_ || modified > st.index_) return Status::corruption("store snapshot: node index after the store's index");
  if ((flags & kFlagExpiration) && (!d.get_i64(expiration) || expiration == kPermanent)) {
    return Status::corruption("store snapshot: bad expiration");
  }
  // Indexed in one pass once all are read (decode_tree): a duplicate name is found there.
  Node* n = st.tree_.add_unindexed(parent, name, (flags & kFlagDir) != 0);
  n->created_index = created;
  n->modified_index = modified;
  n->expiration = expiration;
  if (!n->permanent()) st.with_ttl_.push_back(n);
  if (n->dir) {
    if (!d.get_count(children, kMinNodeBytes)) return Status::corruption("store snapshot: bad child count");
  } else if (!d.get_bytes(n->value)) {
    return Status::corruption("store snapshot: truncated value");
  }
  return n;
}

Status Store::decode_tree(Decoder& d, DecodedState& st) {
  std::uint64_t node_count = 0, root_children = 0;
  if (!d.get_count(node_count, kMinNodeBytes) || !d.get_count(root_children, kMinNodeBytes)) {
    return Status::corruption("store snapshot: bad node count");
  }
  st.tree_.reserve(node_count);
  // Each entry: a dir and how many of its children are still to come.
  std::vector<std::pair<Node*, std::uint64_t>> stack{{st.tree_.root(), root_children}};
  std::uint64_t seen = 0;
  while (!stack.empty()) {
    if (stack.back().second == 0) {
      stack.pop_back();
      continue;
    }
    --stack.back().second;
    if (++seen > node_count) return Status::corruption("store snapshot: more nodes than announced");
    std::uint64_t children = 0;
    auto n = decode_node(d, st, stack.back().first, children);
    if (!n.is_ok()) return n.status();
    if ((*n)->dir) stack.emplace_back(*n, children);
  }
  if (!d.done() || seen != node_count) return Status::corruption("store snapshot: trailing or missing bytes");
  if (!st.tree_.index_pending()) return Status::corruption("store snapshot: duplicate name");
  return Status::ok();
}

Result<DecodedState> Store::decode(std::string_view data) {
  Decoder d(data);
  DecodedState st;
  COORD_RETURN_IF_ERROR(decode_meta(d, st));
  COORD_RETURN_IF_ERROR(decode_tree(d, st));
  return st;
}

DecodedState Store::install(DecodedState next) {
  // Field by field, so `next` ends up holding the replaced state.
  std::swap(tree_, next.tree_);
  ttl_.clear();
  for (Node* n : next.with_ttl_) ttl_.insert(n);
  next.with_ttl_.clear();
  std::swap(index_, next.index_);
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    const std::uint64_t replaced = counters_.get(i);
    counters_.set(i, next.counters_[i]);
    next.counters_[i] = replaced;
  }
  std::swap(cluster_version_, next.cluster_version_);
  std::swap(members_, next.members_);
  std::swap(removed_, next.removed_);
  std::swap(auth_, next.auth_);
  history_.clear();  // its indexes no longer follow on; live watchers stay, as in etcd
  return next;
}

Status Store::recover(std::string_view data) {
  auto decoded = decode(data);
  if (!decoded) return decoded.status();
  install(std::move(*decoded));
  return Status::ok();
}

}  // namespace coord::store
