// Store: cluster membership. etcd keeps members in its internal /0 tree, so each change is a
// store write there: it takes etcd indexes, history slots (invisible to user watches) and stats
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

std::vector<Member> Store::members() const {
  std::vector<Member> out;
  out.reserve(members_.size());
  for (const auto& [id, m] : members_) out.push_back(m);
  return out;
}

}  // namespace coord::store
