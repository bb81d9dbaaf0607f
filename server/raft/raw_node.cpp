#include "server/raft/raw_node.hpp"

#include <utility>

#include "server/common/check.hpp"
#include "server/raft/codec.hpp"
#include "server/raft/message_check.hpp"
#include "server/raft/raft.hpp"
#include "server/raft/storage.hpp"

namespace coord::raft {

const char* to_string(ProgressState s) {
  switch (s) {
    case ProgressState::kProbe: return "probe";
    case ProgressState::kReplicate: return "replicate";
    case ProgressState::kSnapshot: return "snapshot";
  }
  return "unknown";
}

const char* to_string(Role r) {
  switch (r) {
    case Role::kFollower: return "follower";
    case Role::kPreCandidate: return "pre-candidate";
    case Role::kCandidate: return "candidate";
    case Role::kLeader: return "leader";
  }
  return "unknown";
}

namespace {
Raft* make_raft(const Config& config) {
  Status s = config.validate();
  COORD_CHECK(s.is_ok(), "raft: invalid Config (see Config::validate)");
  return new Raft(config);
}
}  // namespace

RawNode::RawNode(const Config& config) : raft_(make_raft(config)) {
  prev_soft_ = raft_->soft_state();
  prev_hard_ = raft_->hard_state();
}

RawNode::~RawNode() = default;

Status RawNode::bootstrap(std::vector<NodeId> voters) { return raft_->bootstrap(voters); }

void RawNode::tick() { raft_->tick(); }

void RawNode::campaign() {
  Message m;
  m.type = MessageType::kHup;
  m.from = raft_->id();
  raft_->step_local(m);
}

Status RawNode::step(const Message& m) {
  // A message from the network changes nothing unless a correct member could have sent it.
  COORD_RETURN_IF_ERROR(check_network_message(m));
  COORD_RETURN_IF_ERROR(raft_->check_against_state(m));
  return raft_->step(m);
}

Status RawNode::propose(std::string data) {
  Message m;
  m.type = MessageType::kProp;
  Entry e;
  e.data = std::move(data);
  m.entries.push_back(std::move(e));
  return raft_->propose(std::move(m));
}

Status RawNode::propose_conf_change(const ConfChange& cc) {
  if (cc.node_id == kNoNode) return Status::invalid_argument("raft: conf change for node 0");
  Message m;
  m.type = MessageType::kProp;
  Entry e;
  e.type = EntryType::kConfChange;
  e.data = encode(cc);
  m.entries.push_back(std::move(e));
  return raft_->step(m);
}

ConfState RawNode::apply_conf_change(const ConfChange& cc) {
  return raft_->apply_conf_change(cc);
}

Status RawNode::read_index(std::string context) {
  if (context.empty()) return Status::invalid_argument("raft: read_index needs a non-empty context");
  Message m;
  m.type = MessageType::kReadIndex;
  m.context = std::move(context);
  return raft_->step(m);
}

void RawNode::transfer_leadership(NodeId to) {
  Message m;
  m.type = MessageType::kTransferLeader;
  m.from = to;
  raft_->step_local(m);
}

void RawNode::report_unreachable(NodeId id) {
  Message m;
  m.type = MessageType::kUnreachable;
  m.from = id;
  raft_->step_local(m);
}

void RawNode::report_snapshot(NodeId id, bool ok) {
  Message m;
  m.type = MessageType::kSnapStatus;
  m.from = id;
  m.reject = !ok;
  raft_->step_local(m);
}

bool RawNode::has_ready() const {
  const RaftLog& log = raft_->log();
  return raft_->soft_state() != prev_soft_ || raft_->hard_state() != prev_hard_ ||
         log.has_pending_snapshot() || log.has_unstable_entries() || log.has_next_entries() ||
         !raft_->messages().empty() || !raft_->read_states().empty() ||
         raft_->read_round_pending() || raft_->appends_pending();
}

Ready RawNode::ready() {
  raft_->flush_appends();
  raft_->flush_read_round();
  Ready rd;
  SoftState ss = raft_->soft_state();
  if (ss != prev_soft_) rd.soft_state = ss;
  HardState hs = raft_->hard_state();
  if (hs != prev_hard_) rd.hard_state = hs;
  RaftLog& log = raft_->log();
  rd.entries = log.unstable_entries();
  if (log.pending_snapshot()) rd.snapshot = *log.pending_snapshot();
  rd.committed_entries = log.next_entries();
  rd.messages = std::move(raft_->messages());
  raft_->messages().clear();
  rd.read_states = std::move(raft_->read_states());
  raft_->read_states().clear();
  rd.must_sync = !rd.entries.empty() || !rd.snapshot.empty() ||
                 (rd.hard_state && (hs.term != prev_hard_.term || hs.vote != prev_hard_.vote));
  return rd;
}

void RawNode::advance(const Ready& rd) {
  if (rd.soft_state) prev_soft_ = *rd.soft_state;
  if (rd.hard_state) prev_hard_ = *rd.hard_state;
  RaftLog& log = raft_->log();
  if (!rd.committed_entries.empty()) {
    log.applied_to(rd.committed_entries.back().index);
  } else if (!rd.snapshot.empty()) {
    log.applied_to(rd.snapshot.metadata.index);
  }
  if (!rd.entries.empty()) log.stable_to(rd.entries.back().index, rd.entries.back().term);
  if (!rd.snapshot.empty()) log.stable_snap_to(rd.snapshot.metadata.index);
}

RaftStatus RawNode::status() const {
  RaftStatus st;
  HardState hs = raft_->hard_state();
  SoftState ss = raft_->soft_state();
  st.id = raft_->id();
  st.term = hs.term;
  st.vote = hs.vote;
  st.commit = hs.commit;
  st.applied = raft_->log().applied();
  st.lead = ss.lead;
  st.role = ss.role;
  st.lead_transferee = raft_->lead_transferee();
  st.conf_state = raft_->tracker().conf_state();
  if (ss.role == Role::kLeader) {
    for (const auto& [id, pr] : raft_->tracker().all()) {
      st.progress[id] =
          ProgressInfo{pr.match, pr.next, pr.state, pr.recent_active, pr.pending_snapshot};
    }
  }
  return st;
}

}  // namespace coord::raft
