// Raft: the consensus state machine behind RawNode (term, vote, role, log, progress). Steps
// messages and ticks, and queues outgoing messages and read states for the next Ready.
// Split by concern: raft.cpp (roles, step dispatch, ticks), raft_election.cpp (pre-vote, vote),
// raft_replication.cpp (appends, heartbeats, snapshots), raft_leader.cpp (leader-only
// requests: proposals, ReadIndex, leader transfer, membership). Internal to the core; call only
// inside a round (server/README.md).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "server/common/status.hpp"
#include "server/raft/config.hpp"
#include "server/raft/message.hpp"
#include "server/raft/progress_tracker.hpp"
#include "server/raft/raft_log.hpp"
#include "server/raft/read_only.hpp"
#include "server/raft/ready.hpp"

namespace coord::raft {

// Context marking a vote request made on a leader's behalf (leader transfer): it bypasses the
// check-quorum lease of the voters.
inline constexpr const char* kTransferContext = "transfer";

class Raft {
 public:
  explicit Raft(const Config& config);

  Status step(const Message& m);
  // step() for a message this node makes itself (ticks, campaign, transfer, reports): when Raft
  // refuses one (e.g. a transfer with no leader to forward it to) it does nothing, which is
  // all the caller needs, so the refusal is dropped here rather than at every call.
  void step_local(const Message& m) { static_cast<void>(step(m)); }
  // Checks of a network message against this node's state, made before step() lets it change
  // anything (check_network_message covers what the message alone shows): a message in our
  // own name, a heartbeat whose
  // commit index is past our log, an append answer (of our term, to us as leader) claiming an
  // index past our log, a vote request from a non-voter whose log is not ahead of ours (once
  // we know the voters), and a timeout-now or read-index answer not from the leader we follow
  // are refused with kInvalidArgument.
  Status check_against_state(const Message& m) const;
  // A proposal made on this node (term 0): like step(), but moves the entries into the log
  // when we lead instead of copying them.
  Status propose(Message&& m);
  void tick();
  // Appends the bootstrap conf changes (see RawNode::bootstrap).
  Status bootstrap(const std::vector<NodeId>& voters);
  ConfState apply_conf_change(const ConfChange& cc);
  // Sends the heartbeat round for reads queued since the last round, if any (RawNode calls it
  // when building a Ready so that reads arriving together share one round).
  void flush_read_round();
  bool read_round_pending() const { return read_round_pending_; }
  // Sends the appends for proposals accepted since the last Ready, if any: proposals arriving
  // together travel in one append per follower (RawNode calls it when building a Ready).
  void flush_appends();
  bool appends_pending() const { return appends_pending_; }

  SoftState soft_state() const { return SoftState{lead_, role_}; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  std::vector<Message>& messages() { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  const ProgressTracker& tracker() const { return prs_; }
  NodeId id() const { return id_; }
  NodeId lead_transferee() const { return lead_transferee_; }

 private:
  // raft.cpp: roles and dispatch.
  void become_follower(std::uint64_t term, NodeId lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void reset(std::uint64_t term);
  void reset_randomized_election_timeout();
  bool past_election_timeout() const { return election_elapsed_ >= randomized_election_timeout_; }
  bool promotable() const { return prs_.is_voter(id_); }
  Status step_by_term(const Message& m, bool* handled);
  void answer_stale_term(const Message& m);
  Status step_follower(const Message& m);
  Status step_candidate(const Message& m);
  Status step_leader(const Message& m);
  void tick_election();
  void tick_heartbeat();
  void send(Message m);

  // raft_election.cpp
  void hup(bool transfer);
  void campaign(MessageType vote_type, bool transfer);
  VoteResult poll(NodeId id, MessageType resp_type, bool granted);
  void handle_vote_request(const Message& m);
  void handle_vote_response(const Message& m);
  bool has_unapplied_conf_change() const;

  // raft_replication.cpp
  bool maybe_send_append(NodeId to, bool send_if_empty);
  bool send_snapshot(NodeId to, Progress& pr);
  void bcast_append();
  void bcast_heartbeat(const std::string& context);
  bool maybe_commit();
  bool append_entries(std::vector<Entry> ents);
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  bool restore(const Snapshot& s);
  void handle_append_response(const Message& m, Progress& pr);
  void handle_heartbeat_response(const Message& m, Progress& pr);
  void handle_snapshot_status(const Message& m, Progress& pr);

  // raft_leader.cpp
  Status leader_propose(Message m);
  void leader_read_index(const Message& m);
  void respond_to_read(const ReadRequest& req, std::uint64_t index);
  void release_pending_reads();
  void leader_transfer(const Message& m);
  void abort_leader_transfer() { lead_transferee_ = kNoNode; }
  void send_timeout_now(NodeId to);
  bool committed_entry_in_current_term() const;

  // Constant after construction.
  NodeId id_;
  int election_timeout_;
  int heartbeat_timeout_;
  std::uint64_t max_msg_size_;
  bool check_quorum_;
  bool pre_vote_;

  // Persistent state (HardState) and log.
  std::uint64_t term_ = 0;
  NodeId vote_ = kNoNode;
  RaftLog log_;

  // Volatile state.
  Role role_ = Role::kFollower;
  NodeId lead_ = kNoNode;
  ProgressTracker prs_;
  // Invariant: a leader proposes no conf change while one at index > applied is pending.
  std::uint64_t pending_conf_index_ = 0;
  NodeId lead_transferee_ = kNoNode;
  ReadOnly read_only_;
  bool read_round_pending_ = false;
  bool appends_pending_ = false;
  // ReadIndex requests that arrived before this leader committed an entry of its term.
  std::vector<Message> pending_read_index_messages_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  std::mt19937_64 rng_;

  // Output for the next Ready.
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
};

}  // namespace coord::raft
