// Store: cluster membership, the v2 auth writes, and the invariant audit used by tests. etcd keeps members in its internal /0 tree, so each change is a
// store write there (and auth in /2): it takes etcd indexes, history slots (invisible to user watches) and stats
// exactly like the corresponding Create/Set/Update/Delete would.
#include <utility>

#include "server/store/store.hpp"

namespace coord::store {

void Store::bump_internal(Counter c) {
  ++index_;
  history_.add(index_, nullptr);
  counters_.bump(c);
}

void Store::add_member(const Member& m) {
  members_[m.id] = m;
  bump_internal(Counter::kCreateSuccess);  // Create /0/members/<id>/raftAttributes
}

void Store::remove_member(std::uint64_t id) {
  members_.erase(id);
  removed_.insert(id);
  bump_internal(Counter::kDeleteSuccess);  // Delete /0/members/<id>
  bump_internal(Counter::kCreateSuccess);  // Create /0/removed_members/<id>
}

void Store::update_member_peer_urls(std::uint64_t id, std::vector<std::string> peer_urls) {
  auto it = members_.find(id);
  if (it == members_.end()) return;  // etcd skips removed members (and panics on unknown ones)
  it->second.peer_urls = std::move(peer_urls);
  bump_internal(Counter::kUpdateSuccess);  // Update /0/members/<id>/raftAttributes
}

void Store::publish_member_attributes(std::uint64_t id, std::string name,
                                      std::vector<std::string> client_urls) {
  auto it = members_.find(id);
  if (it == members_.end()) return;  // etcd skips removed members (and panics on unknown ones)
  it->second.name = std::move(name);
  it->second.client_urls = std::move(client_urls);
  bump_internal(Counter::kSetsSuccess);  // Set /0/members/<id>/attributes
}

void Store::set_cluster_version(std::string version) {
  cluster_version_ = std::move(version);
  bump_internal(Counter::kSetsSuccess);  // Set /0/version
}

auth::AuthOutcome Store::apply_auth(const auth::AuthOp& op) {
  // Indexed by AuthWrite::Kind (create, update, delete).
  static constexpr Counter kSuccess[] = {Counter::kCreateSuccess, Counter::kUpdateSuccess, Counter::kDeleteSuccess};
  static constexpr Counter kFail[] = {Counter::kCreateFail, Counter::kUpdateFail, Counter::kDeleteFail};
  auth::AuthOutcome out = auth_.apply(op);
  for (const auth::AuthWrite& w : out.writes) {
    if (w.ok) {
      bump_internal(kSuccess[w.kind]);
    } else {
      counters_.bump(kFail[w.kind]);
    }
  }
  return out;
}

Status Store::check_invariants() const {
  std::size_t nodes = 0, with_ttl = 0;
  std::vector<const Node*> stack{tree_.root()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (n != tree_.root()) {
      ++nodes;
      if (tree_.child(n->parent, n->name()) != n) return Status::internal("node not found through the index");
      if (n->created_index > index_ || n->modified_index > index_) return Status::internal("index from the future");
      if (!n->permanent()) ++with_ttl;
      if (n->dir && !n->value.empty()) return Status::internal("dir with a value");
    }
    if (!n->dir && n->first_child != nullptr) return Status::internal("file with children");
    const Node* last = nullptr;
    for (const Node* c = n->first_child; c != nullptr; c = c->next_sibling) {
      if (c->parent != n) return Status::internal("child with a wrong parent");
      if (last != nullptr && c->prev_sibling != last) return Status::internal("broken sibling list");
      last = c;
      stack.push_back(c);
    }
    if (last != nullptr && n->first_child->prev_sibling != last) return Status::internal("first child's prev is not the last");
  }
  if (nodes != tree_.size()) return Status::internal("node count mismatch");
  if (with_ttl != ttl_.size()) return Status::internal("ttl index out of step with the tree");
  if (history_.size() > 0 && history_.last_index() != index_) return Status::internal("history behind the index");
  return Status::ok();
}

std::vector<Member> Store::members() const {
  std::vector<Member> out;
  out.reserve(members_.size());
  for (const auto& [id, m] : members_) out.push_back(m);
  return out;
}

}  // namespace coord::store
