// Leader election (Raft §5.2) with pre-vote (thesis §9.6) and leader-transfer campaigns.
#include <utility>

#include "server/common/check.hpp"
#include "server/raft/raft.hpp"

namespace coord::raft {

bool Raft::has_unapplied_conf_change() const {
  if (log_.committed() <= log_.applied()) return false;
  auto ents = log_.slice(std::max(log_.applied() + 1, log_.first_index()), log_.committed() + 1,
                         kNoLimit);
  if (!ents.is_ok()) return false;
  for (const Entry& e : ents.value()) {
    if (e.type == EntryType::kConfChange) return true;
  }
  return false;
}

void Raft::hup(bool transfer) {
  if (role_ == Role::kLeader) return;
  if (!promotable()) return;
  // Campaigning with a committed but unapplied membership change could count votes against
  // the wrong configuration: wait until it is applied.
  if (has_unapplied_conf_change()) return;
  if (transfer) {
    campaign(MessageType::kVote, true);
  } else if (pre_vote_) {
    campaign(MessageType::kPreVote, false);
  } else {
    campaign(MessageType::kVote, false);
  }
}

void Raft::campaign(MessageType vote_type, bool transfer) {
  std::uint64_t vote_term = 0;
  MessageType resp_type;
  if (vote_type == MessageType::kPreVote) {
    become_pre_candidate();
    vote_term = term_ + 1;  // the term we would campaign for; ours is not changed yet
    resp_type = MessageType::kPreVoteResp;
  } else {
    become_candidate();
    vote_term = term_;
    resp_type = MessageType::kVoteResp;
  }
  if (poll(id_, resp_type, true) == VoteResult::kWon) {
    // A lone voter wins at once.
    if (vote_type == MessageType::kPreVote) {
      campaign(MessageType::kVote, transfer);
    } else {
      become_leader();
      bcast_append();
    }
    return;
  }
  for (NodeId id : prs_.voters()) {
    if (id == id_) continue;
    Message m;
    m.type = vote_type;
    m.to = id;
    m.term = vote_term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    if (transfer) m.context = kTransferContext;
    send(std::move(m));
  }
}

VoteResult Raft::poll(NodeId id, MessageType /*resp_type*/, bool granted) {
  prs_.record_vote(id, granted);
  return prs_.tally();
}

// Raft §5.2 / §5.4.1: grant at most one vote per term, and only to a candidate whose log is at
// least as up to date as ours.
void Raft::handle_vote_request(const Message& m) {
  bool pre = m.type == MessageType::kPreVote;
  bool can_vote = vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                  (pre && m.term > term_);
  Message r;
  r.type = pre ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  r.to = m.from;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // Answer at the request's term: a pre-vote answer must not carry our (lower) term, or the
    // pre-candidate would ignore it as stale.
    r.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    r.term = term_;
    r.reject = true;
  }
  if (r.term == 0) r.term = m.term;  // a brand-new node at term 0 rejecting
  send(std::move(r));
}

void Raft::handle_vote_response(const Message& m) {
  switch (poll(m.from, m.type, !m.reject)) {
    case VoteResult::kWon:
      if (role_ == Role::kPreCandidate) {
        campaign(MessageType::kVote, false);
      } else {
        become_leader();
        bcast_append();
      }
      break;
    case VoteResult::kLost:
      // A pre-candidate keeps its term: nothing was disturbed.
      become_follower(term_, kNoNode);
      break;
    case VoteResult::kPending:
      break;
  }
}

}  // namespace coord::raft
