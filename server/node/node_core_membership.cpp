// NodeCore: membership changes (members API → ConfChange through Raft → applied on every member),
// the transport's peer list, and the leadership transfer asked for on shutdown. Sibling of
// node_core.cpp. The prepare_* checks run on any thread (shared store lock); propose_conf_change,
// apply_conf_change, start_leadership_transfer and update_peers run inside a round
// (update_peers also from open()); apply_conf_change also under the exclusive store lock.
#include <algorithm>
#include <cstdio>

#include "server/common/failpoint.hpp"
#include "server/common/hex.hpp"
#include "server/common/sha1.hpp"
#include "server/node/member_codec.hpp"
#include "server/node/node_core.hpp"
#include "server/raft/codec.hpp"

namespace coord::node {
namespace {

// Answers a membership change that will not be proposed; what a prepare_* returns then.
std::optional<NodeCore::ConfChangeRequest> refuse_change(NodeCore::MemberCallback& done, Status why) {
  done(std::move(why), {});
  return std::nullopt;
}

// How long a peer must have been connected to count as active for a reconfiguration (etcd's
// HealthInterval): a member that just came back may be gone again.
constexpr std::chrono::seconds kHealthInterval{5};

int quorum(int members) { return members / 2 + 1; }

}  // namespace

bool NodeCore::is_removed(std::uint64_t id) const {
  std::shared_lock lock(store_mu_);
  return store_.is_removed(id);
}

std::vector<PeerActivity> NodeCore::peer_activity() const {
  return sender_ != nullptr ? sender_->peer_activity() : std::vector<PeerActivity>{};
}

// Members connected to this one for the last kHealthInterval, this one included; `except` (this
// one or a peer) not counted.
int NodeCore::connected_members(const std::vector<PeerActivity>& activity, std::uint64_t except) const {
  const auto since = clock_.steady_now() - kHealthInterval;
  int active = except == options_.member_id ? 0 : 1;  // self
  for (const auto& p : activity)
    if (p.id != except && p.active_since != std::chrono::steady_clock::time_point{} && p.active_since <= since)
      ++active;
  return active;
}

Status NodeCore::check_reconfiguration(int voters_after) const {
  if (voters_after > 1 && connected_members(peer_activity(), 0) < quorum(voters_after))
    return Status::unavailable("etcdserver: re-configuration failed due to not enough started members");
  return Status::ok();
}

// The rule for removing a voter. As etcd's (mayRemoveMember): the members that stay and have
// started (published their name) must be a quorum of those that stay, and a peer that is down
// may then go at once, since it is no part of the active quorum. Otherwise the members that stay
// and have been connected to this one for the last kHealthInterval (itself included) must be a
// quorum of those that stay. etcd counts every connected member there, less one for the leaving
// one; this counts the connected members that stay, the same figure over the same full mesh of
// peer streams (every member keeps one to every other: server/transport/peer_sender.hpp).
Status NodeCore::check_removal(const std::vector<store::Member>& members, std::uint64_t removed) const {
  int staying = 0, started = 0;
  for (const auto& m : members) {
    if (m.id == removed) continue;
    ++staying;
    started += m.name.empty() ? 0 : 1;
  }
  if (started < quorum(staying))
    return Status::unavailable("etcdserver: re-configuration failed due to not enough started members");
  const auto activity = peer_activity();
  const auto zero = std::chrono::steady_clock::time_point{};
  if (removed != options_.member_id) {
    auto it = std::find_if(activity.begin(), activity.end(), [&](const auto& p) { return p.id == removed; });
    if (it == activity.end() || it->active_since == zero) return Status::ok();  // down: safe to remove
  }
  if (staying > 1 && connected_members(activity, removed) < quorum(staying))
    return Status::unavailable("etcdserver: unhealthy cluster");
  return Status::ok();
}

std::optional<NodeCore::ConfChangeRequest> NodeCore::prepare_add_member(std::vector<std::string> peer_urls,
                                                                         MemberCallback& done) const {
  std::sort(peer_urls.begin(), peer_urls.end());
  const auto members = this->members();
  auto refuse = [&](Status s) { return refuse_change(done, std::move(s)); };
  for (const auto& m : members)
    for (const auto& url : m.peer_urls)
      if (std::find(peer_urls.begin(), peer_urls.end(), url) != peer_urls.end())
        return refuse(Status::already_exists("membership: peerURL exists"));
  if (options_.strict_reconfig_check) {
    int started = 0;
    for (const auto& m : members) started += m.name.empty() ? 0 : 1;
    const int after = static_cast<int>(members.size()) + 1;
    // A one-member cluster may always grow to two (etcd's exception); otherwise the members that
    // already run must be a quorum of the new size, or the cluster would stall.
    if (!(started == 1 && after == 2) && started < quorum(after))
      return refuse(Status::unavailable("etcdserver: re-configuration failed due to not enough started members"));
    if (auto s = check_reconfiguration(static_cast<int>(members.size())); !s.is_ok() && after > 2)
      return refuse(std::move(s));
  }
  // etcd's id for a member added at run time: SHA-1 of its peer URLs, the cluster token and
  // the current Unix time in seconds.
  std::string basis;
  for (const auto& u : peer_urls) basis += u;
  basis += options_.cluster_token + std::to_string(clock_.now() / kNanosPerSecond);
  store::Member member;
  member.id = sha1_prefix64(basis);
  member.peer_urls = peer_urls;
  raft::ConfChange cc{raft::ConfChangeType::kAddNode, member.id, {}};
  return ConfChangeRequest{std::move(cc), std::move(member), std::move(done)};
}

// The member a remove or update names, or etcd's refusal: removed for good, or unknown.
Result<std::vector<store::Member>::const_iterator> NodeCore::find_member(const std::vector<store::Member>& members,
                                                                      std::uint64_t id) const {
  if (is_removed(id)) return Status::failed_precondition("Member permanently removed: " + to_hex(id));
  auto it = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.id == id; });
  if (it == members.end()) return Status::not_found("No such member: " + to_hex(id));
  return it;
}

std::optional<NodeCore::ConfChangeRequest> NodeCore::prepare_remove_member(std::uint64_t id, MemberCallback& done) const {
  const auto members = this->members();
  auto refuse = [&](Status s) { return refuse_change(done, std::move(s)); };
  auto it = find_member(members, id);
  if (!it) return refuse(it.status());
  if (options_.strict_reconfig_check)
    if (auto s = check_removal(members, id); !s.is_ok()) return refuse(std::move(s));
  raft::ConfChange cc{raft::ConfChangeType::kRemoveNode, id, {}};
  return ConfChangeRequest{std::move(cc), **it, std::move(done)};
}

std::optional<NodeCore::ConfChangeRequest> NodeCore::prepare_update_member(std::uint64_t id,
                                                                            std::vector<std::string> peer_urls,
                                                                            MemberCallback& done) const {
  std::sort(peer_urls.begin(), peer_urls.end());
  const auto members = this->members();
  auto refuse = [&](Status s) { return refuse_change(done, std::move(s)); };
  auto it = find_member(members, id);
  if (!it) return refuse(it.status());
  for (const auto& m : members)
    for (const auto& url : m.peer_urls)
      if (m.id != id && std::find(peer_urls.begin(), peer_urls.end(), url) != peer_urls.end())
        return refuse(Status::already_exists("membership: peerURL exists"));
  store::Member member = **it;
  member.peer_urls = peer_urls;
  raft::ConfChange cc{raft::ConfChangeType::kUpdateNode, id, {}};
  return ConfChangeRequest{std::move(cc), std::move(member), std::move(done)};
}

void NodeCore::propose_conf_change(ConfChangeRequest request, Waiters<WriteCallback>::Deadline deadline) {
  const std::uint64_t id = next_request_id_.fetch_add(1);
  request.change.context = encode_conf_context(ConfContext{id, request.member});
  member_waiters_.add(id, std::move(request.done), deadline);
  if (!raft_->propose_conf_change(request.change).is_ok())
    unsent_.push_back(PendingProposal{{}, request.change, id, deadline});
}

void NodeCore::apply_conf_change(const raft::Entry& entry, std::vector<std::pair<MemberCallback, store::Member>>& done) {
  // A crash here leaves the change committed and in the WAL but applied nowhere on this member:
  // its restart must apply it from the log like any other entry. A stall holds the store lock,
  // as a slow apply would. (conf_before_apply cannot be configured to fail: hit() says false.)
  static_cast<void>(failpoint::hit(failpoint::Point::kConfBeforeApply));
  auto cc = raft::decode_conf_change(entry.data);
  COORD_CHECK(cc.is_ok(), "committed conf change does not decode");
  raft_->apply_conf_change(*cc);
  ConfContext context;
  if (!cc->context.empty()) {
    auto decoded = decode_conf_context(cc->context);
    COORD_CHECK(decoded.is_ok(), "conf change context does not decode");
    context = std::move(*decoded);
  } else {
    // Bootstrap entries carry no context: the member comes from --initial-cluster.
    for (const auto& spec : options_.initial_members)
      if (spec.id == cc->node_id) context.member.peer_urls = spec.peer_urls;
  }
  context.member.id = cc->node_id;
  switch (cc->type) {
    case raft::ConfChangeType::kAddNode: store_.add_member(context.member); break;
    case raft::ConfChangeType::kRemoveNode: store_.remove_member(cc->node_id); break;
    case raft::ConfChangeType::kUpdateNode: store_.update_member_peer_urls(cc->node_id, context.member.peer_urls); break;
  }
  if (options_.log) log_member_change(cc->type, context.member);
  MemberCallback cb;
  if (context.request_id != 0 && member_waiters_.take(context.request_id, cb))
    done.emplace_back(std::move(cb), context.member);
  if (cc->type == raft::ConfChangeType::kRemoveNode && cc->node_id == options_.member_id)
    fail(Status::aborted("the member has been permanently removed from the cluster"));
}

void NodeCore::update_peers() {
  if (sender_ == nullptr) return;
  std::vector<store::Member> members;
  {
    std::shared_lock lock(store_mu_);
    members = store_.members();
  }
  // Before the log has told us who the members are (a brand-new member joining an existing
  // cluster), the initial cluster from the flags is all we know.
  if (members.empty())
    for (const auto& spec : options_.initial_members) members.push_back(store::Member{spec.id, spec.name, spec.peer_urls, {}});
  sender_->set_peers(members, cluster_id_.load());
}

void NodeCore::start_leadership_transfer() {
  const raft::RaftStatus status = raft_->status();
  if (status.role != raft::Role::kLeader) return;
  // The follower with the longest log catches up fastest.
  raft::NodeId best = raft::kNoNode;
  std::uint64_t best_match = 0;
  for (const auto& [id, progress] : status.progress)
    if (id != options_.member_id && progress.match >= best_match) {
      best = id;
      best_match = progress.match;
    }
  if (best != raft::kNoNode) raft_->transfer_leadership(best);
}

}  // namespace coord::node
