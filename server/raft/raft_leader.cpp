// Requests a leader serves beyond replication: proposals, ReadIndex (thesis §6.4), leader
// transfer (thesis §3.10), and single-server membership changes (thesis §4.1).
#include <algorithm>
#include <utility>

#include "server/common/check.hpp"
#include "server/raft/codec.hpp"
#include "server/raft/raft.hpp"

namespace coord::raft {

// ------------------------------------------------------------------ proposals

Status Raft::leader_propose(Message m) {
  if (m.entries.empty()) return Status::invalid_argument("raft: empty proposal");
  if (!prs_.is_voter(id_)) return Status::unavailable("raft: leader was removed from the cluster");
  if (lead_transferee_ != kNoNode) {
    return Status::unavailable("raft: leadership transfer in progress");
  }
  std::size_t conf_changes = 0;
  for (const Entry& e : m.entries) conf_changes += e.type == EntryType::kConfChange ? 1 : 0;
  if (conf_changes > 0) {
    // Invariant: at most one membership change is in flight (single-server changes are only
    // safe one at a time).
    if (conf_changes > 1 || pending_conf_index_ > log_.applied()) {
      return Status::unavailable("raft: conf change pending");
    }
  }
  std::uint64_t first = log_.last_index() + 1;
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    if (m.entries[i].type == EntryType::kConfChange) pending_conf_index_ = first + i;
  }
  append_entries(std::move(m.entries));
  appends_pending_ = true;  // batched: sent when the next Ready is built (flush_appends)
  return Status::ok();
}

void Raft::flush_appends() {
  if (!appends_pending_) return;
  appends_pending_ = false;
  if (role_ == Role::kLeader) bcast_append();
}

Status Raft::propose(Message&& m) {
  COORD_CHECK(m.type == MessageType::kProp && m.term == 0, "propose() takes local proposals");
  if (role_ == Role::kLeader) return leader_propose(std::move(m));
  return step(m);
}

// ------------------------------------------------------------------ ReadIndex

bool Raft::committed_entry_in_current_term() const {
  return log_.term_or_zero(log_.committed()) == term_;
}

void Raft::leader_read_index(const Message& m) {
  NodeId from = m.from == kNoNode ? id_ : m.from;
  if (prs_.voters().size() == 1 && prs_.is_voter(id_)) {
    // A lone voter is the quorum: its commit index is the read index.
    respond_to_read(ReadRequest{log_.committed(), from, m.context}, log_.committed());
    return;
  }
  if (!committed_entry_in_current_term()) {
    // A new leader does not know the true commit index until its no-op commits (§8).
    pending_read_index_messages_.push_back(m);
    return;
  }
  read_only_.add_request(log_.committed(), from, m.context);
  read_round_pending_ = true;  // one heartbeat round for all reads queued until the next Ready
}

void Raft::flush_read_round() {
  if (!read_round_pending_) return;
  read_round_pending_ = false;
  if (role_ != Role::kLeader) return;
  std::string ctx = read_only_.last_pending_context();
  if (!ctx.empty()) bcast_heartbeat(ctx);
}

void Raft::respond_to_read(const ReadRequest& req, std::uint64_t index) {
  if (req.from == id_) {
    read_states_.push_back(ReadState{index, req.context});
    return;
  }
  Message r;
  r.type = MessageType::kReadIndexResp;
  r.to = req.from;
  r.index = index;
  r.context = req.context;
  send(std::move(r));
}

void Raft::release_pending_reads() {
  if (pending_read_index_messages_.empty() || !committed_entry_in_current_term()) return;
  std::vector<Message> waiting = std::move(pending_read_index_messages_);
  pending_read_index_messages_.clear();
  for (const Message& m : waiting) leader_read_index(m);
}

// ------------------------------------------------------------------ leader transfer

void Raft::leader_transfer(const Message& m) {
  NodeId transferee = m.from;
  if (!prs_.is_voter(transferee) || transferee == id_) return;
  if (lead_transferee_ != kNoNode) {
    if (lead_transferee_ == transferee) return;  // already under way
    abort_leader_transfer();
  }
  // The transfer must finish within one election timeout, else it is abandoned (tick).
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  Progress* pr = prs_.progress(transferee);
  if (pr->match == log_.last_index()) {
    send_timeout_now(transferee);
  } else {
    maybe_send_append(transferee, true);  // catch it up first; timeout-now follows the ack
  }
}

void Raft::send_timeout_now(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  send(std::move(m));
}

// ------------------------------------------------------------------ membership

ConfState Raft::apply_conf_change(const ConfChange& cc) {
  switch (cc.type) {
    case ConfChangeType::kAddNode:
      prs_.add_voter(cc.node_id, log_.last_index() + 1);
      break;
    case ConfChangeType::kRemoveNode:
      prs_.remove_voter(cc.node_id);
      if (cc.node_id == lead_transferee_) abort_leader_transfer();
      break;
    case ConfChangeType::kUpdateNode:
      break;  // context only (e.g. new peer URLs); membership unchanged
  }
  if (role_ == Role::kLeader) {
    if (!prs_.is_voter(id_)) {
      // Removed leader: hand over to the most up-to-date voter, then step down.
      NodeId best = kNoNode;
      std::uint64_t best_match = 0;
      for (const auto& [id, pr] : prs_.all()) {
        if (pr.match > best_match) best = id, best_match = pr.match;
      }
      if (best != kNoNode && best_match == log_.last_index()) send_timeout_now(best);
      become_follower(term_, kNoNode);
    } else if (maybe_commit()) {
      bcast_append();  // a smaller quorum may commit more
    }
  }
  return prs_.conf_state();
}

Status Raft::bootstrap(const std::vector<NodeId>& voters_in) {
  std::vector<NodeId> voters = voters_in;
  std::sort(voters.begin(), voters.end());
  voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
  if (voters.empty() || voters.front() == kNoNode) {
    return Status::invalid_argument("raft: bootstrap needs non-zero voter ids");
  }
  if (log_.last_index() != 0 || term_ != 0 || !prs_.voters().empty()) {
    return Status::invalid_argument("raft: bootstrap on a non-empty storage");
  }
  become_follower(1, kNoNode);
  std::vector<Entry> ents;
  for (std::size_t i = 0; i < voters.size(); ++i) {
    Entry e;
    e.term = 1;
    e.index = i + 1;
    e.type = EntryType::kConfChange;
    e.data = encode(ConfChange{ConfChangeType::kAddNode, voters[i], {}});
    ents.push_back(std::move(e));
  }
  std::uint64_t n = ents.size();
  log_.append(std::move(ents));
  // Every member starts with the same committed entries, so they are committed by fiat.
  log_.commit_to(n);
  // Membership is known at once; applying the entries later re-adds the same voters.
  for (NodeId id : voters) prs_.add_voter(id, log_.last_index() + 1);
  return Status::ok();
}

}  // namespace coord::raft
