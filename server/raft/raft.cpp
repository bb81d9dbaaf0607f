#include "server/raft/raft.hpp"

#include <utility>

#include "server/common/check.hpp"
#include "server/raft/codec.hpp"

namespace coord::raft {

Raft::Raft(const Config& config)
    : id_(config.id),
      election_timeout_(config.election_tick),
      heartbeat_timeout_(config.heartbeat_tick),
      max_msg_size_(config.max_size_per_msg),
      check_quorum_(config.check_quorum),
      pre_vote_(config.pre_vote),
      log_(config.storage),
      prs_(config.max_inflight_msgs),
      rng_(config.seed) {
  auto st = config.storage->initial_state();
  COORD_CHECK(st.is_ok(), "raft: cannot read the initial state from storage");
  const auto& [hs, cs] = st.value();
  prs_.reset_config(cs.voters, log_.last_index() + 1);
  if (!hs.empty()) {
    // Invariant: the persisted commit index lies within the persisted log.
    COORD_CHECK(hs.commit >= log_.committed() && hs.commit <= log_.last_index(),
                "raft: persisted commit index out of range (truncated or corrupt log?)");
    log_.commit_to(hs.commit);
    term_ = hs.term;
    vote_ = hs.vote;
  }
  if (config.applied > 0) log_.applied_to(config.applied);
  become_follower(term_, kNoNode);
}

// ------------------------------------------------------------------ roles

void Raft::reset(std::uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_leader_transfer();
  prs_.reset_votes();
  std::uint64_t last = log_.last_index();
  std::vector<NodeId> voters = prs_.voters();
  prs_.reset_config(voters, last + 1);
  for (auto& [id, pr] : prs_.all()) {
    pr.recent_active = false;
    if (id == id_) pr.match = last;
  }
  pending_conf_index_ = 0;
  // Reads waiting for a leadership check die with the term; their callers time out and retry.
  read_only_.clear();
  read_round_pending_ = false;
  appends_pending_ = false;
  pending_read_index_messages_.clear();
}

void Raft::reset_randomized_election_timeout() {
  std::uniform_int_distribution<int> dist(0, election_timeout_ - 1);
  randomized_election_timeout_ = election_timeout_ + dist(rng_);
}

void Raft::become_follower(std::uint64_t term, NodeId lead) {
  reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::become_pre_candidate() {
  COORD_CHECK(role_ != Role::kLeader, "leader cannot become pre-candidate");
  // Pre-vote changes neither term nor vote: a node that cannot win disturbs nobody.
  prs_.reset_votes();
  role_ = Role::kPreCandidate;
  lead_ = kNoNode;
}

void Raft::become_candidate() {
  COORD_CHECK(role_ != Role::kLeader, "leader cannot become candidate");
  reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::become_leader() {
  COORD_CHECK(role_ != Role::kFollower, "follower cannot become leader without an election");
  reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  if (Progress* self = prs_.progress(id_)) {
    self->become_replicate();
    self->recent_active = true;
  }
  // A conf change in the old leader's uncommitted tail may still be pending: allow the next
  // one only after everything up to here is applied (the single-server change fix).
  pending_conf_index_ = log_.last_index();
  // Raft §5.4.2 / §8: commit an entry of the new term to learn what is committed.
  append_entries({Entry{}});
}

// ------------------------------------------------------------------ step

Status Raft::step(const Message& m) {
  bool handled = false;
  Status s = step_by_term(m, &handled);
  if (handled) return s;
  switch (m.type) {
    case MessageType::kHup:
      hup(false);
      return Status::ok();
    case MessageType::kVote:
    case MessageType::kPreVote:
      handle_vote_request(m);
      return Status::ok();
    default:
      break;
  }
  switch (role_) {
    case Role::kFollower: return step_follower(m);
    case Role::kPreCandidate:
    case Role::kCandidate: return step_candidate(m);
    case Role::kLeader: return step_leader(m);
  }
  return Status::ok();
}

Status Raft::check_against_state(const Message& m) const {
  auto refuse = [&](const char* why) {
    return Status::invalid_argument(std::string("raft: ") + to_string(m.type) + " refused: " + why);
  };
  // Our own messages never come back over the network (the transport delivers none to self).
  if (m.from == id_) return refuse("sent in our name");
  switch (m.type) {
    case MessageType::kHeartbeat:
      // A leader never tells a follower to commit past the follower's acknowledged match, which
      // lies within the follower's log (raft_replication.cpp bcast_heartbeat).
      if (m.commit > log_.last_index()) return refuse("commit index past our log");
      break;
    case MessageType::kAppResp:
      // An acknowledgement of an index we never sent would move the follower's match past our log.
      if (role_ == Role::kLeader && m.term == term_ && !m.reject && m.index > log_.last_index())
        return refuse("acknowledges an index past our log");
      break;
    case MessageType::kVote:
    case MessageType::kPreVote:
      // Only a voter campaigns, but a member must still answer one outside its configuration
      // (Raft thesis §4.2.3): a member behind on the log may not know that a newer member was
      // added, and the cluster may need its vote to elect anyone (test/sim found that deadlock
      // when all non-voters were refused). Its vote can only go to a candidate whose log is at
      // least as up to date as ours, so a non-voter that does not claim that is refused before
      // the term comparison: it could only inflate our term. A member that knows no
      // configuration yet (joined, no log) cannot tell voters from strangers at all.
      if (!prs_.voters().empty() && !prs_.is_voter(m.from) && !log_.is_up_to_date(m.index, m.log_term))
        return refuse("sender is not a voter and its log is not ahead of ours");
      break;
    case MessageType::kTimeoutNow:
    case MessageType::kReadIndexResp:
      // Only the leader we follow hands leadership over or answers our reads; a read index
      // from anyone else could release a read before it is linearizable.
      if (m.from != lead_) return refuse("not from our leader");
      break;
    default:
      break;
  }
  return Status::ok();
}

// Handles the term comparison every message goes through first (Raft §5.1).
Status Raft::step_by_term(const Message& m, bool* handled) {
  if (m.term == 0) return Status::ok();  // local message or forwarded request
  if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      bool force = m.context == kTransferContext;
      bool in_lease = check_quorum_ && lead_ != kNoNode && election_elapsed_ < election_timeout_;
      if (!force && in_lease) {
        // We heard from a live leader within the minimum election timeout: a disruptive
        // candidate (e.g. a rejoining partitioned node) is ignored (thesis §4.2.3).
        *handled = true;
        return Status::ok();
      }
    }
    if (m.type == MessageType::kPreVote) {
      // Pre-votes never change our term.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // The term is bumped when the pre-vote is won.
    } else if (m.type == MessageType::kApp || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnap) {
      become_follower(m.term, m.from);
    } else {
      become_follower(m.term, kNoNode);
    }
    return Status::ok();
  }
  if (m.term < term_) {
    *handled = true;
    answer_stale_term(m);
    return Status::ok();
  }
  return Status::ok();
}

// A message from an older term is dropped, but some deserve an answer.
void Raft::answer_stale_term(const Message& m) {
  if ((check_quorum_ || pre_vote_) &&
      (m.type == MessageType::kHeartbeat || m.type == MessageType::kApp)) {
    // A stale leader (e.g. back from a partition) learns the newer term from this answer and
    // steps down. Needed because with pre-vote or check-quorum we never bump our term for its
    // elections, so nothing else would tell it.
    Message r;
    r.type = MessageType::kAppResp;
    r.to = m.from;
    send(std::move(r));
  } else if (m.type == MessageType::kPreVote) {
    Message r;
    r.type = MessageType::kPreVoteResp;
    r.to = m.from;
    r.term = term_;
    r.reject = true;
    send(std::move(r));
  }
}

Status Raft::step_follower(const Message& m) {
  switch (m.type) {
    case MessageType::kProp:
    case MessageType::kReadIndex:
    case MessageType::kTransferLeader: {
      if (lead_ == kNoNode) return Status::unavailable("no leader");
      Message fwd = m;
      fwd.to = lead_;
      send(std::move(fwd));
      return Status::ok();
    }
    case MessageType::kApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_append(m);
      return Status::ok();
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_heartbeat(m);
      return Status::ok();
    case MessageType::kSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_snapshot(m);
      return Status::ok();
    case MessageType::kTimeoutNow:
      // Leader transfer: campaign at once, skipping pre-vote (the leader asked for it).
      if (promotable()) hup(true);
      return Status::ok();
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
      return Status::ok();
    default:
      return Status::ok();
  }
}

Status Raft::step_candidate(const Message& m) {
  switch (m.type) {
    case MessageType::kProp:
    case MessageType::kReadIndex:
    case MessageType::kTransferLeader:
      return Status::unavailable("no leader");
    case MessageType::kApp:
      become_follower(m.term, m.from);  // a leader of our term exists
      handle_append(m);
      return Status::ok();
    case MessageType::kHeartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      return Status::ok();
    case MessageType::kSnap:
      become_follower(m.term, m.from);
      handle_snapshot(m);
      return Status::ok();
    case MessageType::kPreVoteResp:
      if (role_ == Role::kPreCandidate) handle_vote_response(m);
      return Status::ok();
    case MessageType::kVoteResp:
      if (role_ == Role::kCandidate) handle_vote_response(m);
      return Status::ok();
    default:
      return Status::ok();
  }
}

Status Raft::step_leader(const Message& m) {
  switch (m.type) {
    case MessageType::kBeat:
      // Periodic heartbeats also carry the newest pending read, so a lost read round is retried.
      bcast_heartbeat(read_only_.last_pending_context());
      return Status::ok();
    case MessageType::kCheckQuorum:
      if (!prs_.quorum_active(id_)) {
        become_follower(term_, kNoNode);
        return Status::ok();
      }
      for (auto& [id, pr] : prs_.all()) {
        if (id != id_) pr.recent_active = false;
      }
      return Status::ok();
    case MessageType::kProp:
      return leader_propose(m);
    case MessageType::kReadIndex:
      leader_read_index(m);
      return Status::ok();
    case MessageType::kTransferLeader:
      leader_transfer(m);
      return Status::ok();
    default:
      break;
  }
  Progress* pr = prs_.progress(m.from);
  if (pr == nullptr) return Status::ok();  // not a member (any more)
  switch (m.type) {
    case MessageType::kAppResp: handle_append_response(m, *pr); break;
    case MessageType::kHeartbeatResp: handle_heartbeat_response(m, *pr); break;
    case MessageType::kSnapStatus: handle_snapshot_status(m, *pr); break;
    case MessageType::kUnreachable:
      if (pr->state == ProgressState::kReplicate) pr->become_probe();
      break;
    default: break;
  }
  return Status::ok();
}

// ------------------------------------------------------------------ ticks

void Raft::tick() {
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void Raft::tick_election() {
  ++election_elapsed_;
  if (!promotable()) return;
  // A lone voter cannot split a vote: no need to randomize its timeout.
  bool alone = prs_.voters().size() == 1;
  if (alone ? election_elapsed_ >= election_timeout_ : past_election_timeout()) {
    election_elapsed_ = 0;
    Message m;
    m.type = MessageType::kHup;
    m.from = id_;
    step_local(m);
  }
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      Message m;
      m.type = MessageType::kCheckQuorum;
      m.from = id_;
      step_local(m);
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (role_ == Role::kLeader) abort_leader_transfer();
  }
  if (role_ != Role::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    Message m;
    m.type = MessageType::kBeat;
    m.from = id_;
    step_local(m);
  }
}

void Raft::send(Message m) {
  if (m.from == kNoNode) m.from = id_;
  if (m.type == MessageType::kVote || m.type == MessageType::kPreVote ||
      m.type == MessageType::kVoteResp || m.type == MessageType::kPreVoteResp) {
    // Invariant: vote messages carry an explicit term (pre-votes the term to be campaigned for).
    COORD_CHECK(m.term != 0, "vote message without a term");
  } else if (m.type != MessageType::kProp && m.type != MessageType::kReadIndex) {
    // Forwarded proposals and reads carry no term: they are not part of the term protocol.
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

}  // namespace coord::raft
