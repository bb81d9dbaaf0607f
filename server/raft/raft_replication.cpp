// Log replication (Raft §5.3): the leader's appends, heartbeats and snapshots driven by each
// follower's Progress, and the follower's side of AppendEntries / InstallSnapshot.
#include <algorithm>
#include <utility>

#include "server/common/check.hpp"
#include "server/raft/raft.hpp"

namespace coord::raft {

// ------------------------------------------------------------------ leader side

bool Raft::maybe_send_append(NodeId to, bool send_if_empty) {
  Progress* pr = prs_.progress(to);
  if (pr == nullptr || pr->is_paused()) return false;
  auto prev_term = log_.term(pr->next - 1);
  auto ents = log_.entries_from(pr->next, max_msg_size_);
  if (!prev_term.is_ok() || !ents.is_ok()) {
    // The entries the follower needs were compacted away.
    return send_snapshot(to, *pr);
  }
  if (ents->empty() && !send_if_empty) return false;
  Message m;
  m.type = MessageType::kApp;
  m.to = to;
  m.index = pr->next - 1;
  m.log_term = *prev_term;
  m.entries = std::move(ents).value();
  m.commit = log_.committed();
  if (!m.entries.empty()) {
    std::uint64_t last = m.entries.back().index;
    switch (pr->state) {
      case ProgressState::kReplicate:
        // Pipelining: assume success and keep sending within the in-flight window.
        pr->optimistic_update(last);
        pr->inflights.add(last);
        break;
      case ProgressState::kProbe:
        pr->probe_sent = true;  // one probe at a time until we learn where the logs match
        break;
      case ProgressState::kSnapshot:
        COORD_CHECK(false, "sending appends to a follower waiting for a snapshot");
    }
  }
  send(std::move(m));
  return true;
}

bool Raft::send_snapshot(NodeId to, Progress& pr) {
  // A follower we have not heard from lately may be down: do not ship a snapshot into the void.
  if (!pr.recent_active) return false;
  auto snap = log_.snapshot();
  if (!snap.is_ok()) {
    COORD_CHECK(is_unavailable(snap.status()), "raft: storage failed to produce a snapshot");
    return false;  // not ready yet; retried on the next heartbeat response
  }
  COORD_CHECK(!snap->empty(), "raft: entries compacted but storage has no snapshot");
  Message m;
  m.type = MessageType::kSnap;
  m.to = to;
  pr.become_snapshot(snap->metadata.index);
  m.snapshot = std::move(snap).value();
  send(std::move(m));
  return true;
}

void Raft::bcast_append() {
  for (NodeId id : prs_.voters()) {
    if (id != id_) maybe_send_append(id, true);
  }
}

void Raft::bcast_heartbeat(const std::string& context) {
  for (const auto& [id, pr] : prs_.all()) {
    if (id == id_) continue;
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = id;
    // Never tell a follower to commit beyond what it is known to hold: its log past `match`
    // may still diverge from ours.
    m.commit = std::min(pr.match, log_.committed());
    m.context = context;
    send(std::move(m));
  }
}

bool Raft::maybe_commit() {
  // Raft §5.4.2: only an entry of the current term is committed by counting replicas; earlier
  // entries are committed indirectly with it.
  if (!log_.maybe_commit(prs_.committed(), term_)) return false;
  release_pending_reads();
  return true;
}

bool Raft::append_entries(std::vector<Entry> ents) {
  std::uint64_t li = log_.last_index();
  for (std::size_t i = 0; i < ents.size(); ++i) {
    ents[i].term = term_;
    ents[i].index = li + 1 + i;
  }
  li = log_.append(std::move(ents));
  // The leader's own log counts toward the quorum (it persists before applying).
  if (Progress* self = prs_.progress(id_)) self->maybe_update(li);
  maybe_commit();
  return true;
}

void Raft::handle_append_response(const Message& m, Progress& pr) {
  pr.recent_active = true;
  if (m.reject) {
    // Fast back-off: jump to the follower's hint (its last entry with term <= the probed
    // term), then to our own last entry with term <= the hint's term.
    std::uint64_t next_probe = m.reject_hint;
    if (m.log_term > 0) next_probe = log_.find_conflict_by_term(m.reject_hint, m.log_term).first;
    if (pr.maybe_decr_to(m.index, next_probe)) {
      if (pr.state == ProgressState::kReplicate) pr.become_probe();
      maybe_send_append(m.from, true);
    }
    return;
  }
  bool old_paused = pr.is_paused();
  if (!pr.maybe_update(m.index)) return;
  switch (pr.state) {
    case ProgressState::kProbe: pr.become_replicate(); break;
    case ProgressState::kSnapshot:
      if (pr.match >= pr.pending_snapshot) {
        pr.become_probe();
        pr.become_replicate();
      }
      break;
    case ProgressState::kReplicate: pr.inflights.free_le(m.index); break;
  }
  if (maybe_commit()) {
    bcast_append();  // tell everyone the new commit index
  } else if (old_paused) {
    maybe_send_append(m.from, true);
  }
  // Fill the in-flight window.
  while (maybe_send_append(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match == log_.last_index()) send_timeout_now(m.from);
}

void Raft::handle_heartbeat_response(const Message& m, Progress& pr) {
  pr.recent_active = true;
  pr.probe_sent = false;
  // A full window with no answers: free one slot so the follower is not starved forever.
  if (pr.state == ProgressState::kReplicate && pr.inflights.full()) pr.inflights.free_first_one();
  if (pr.match < log_.last_index()) maybe_send_append(m.from, true);
  if (m.context.empty() || !prs_.is_voter(m.from)) return;
  if (read_only_.recv_ack(id_, m.from, m.context) < prs_.quorum()) return;
  for (const ReadRequest& req : read_only_.advance(m.context)) respond_to_read(req, req.index);
}

void Raft::handle_snapshot_status(const Message& m, Progress& pr) {
  if (pr.state != ProgressState::kSnapshot) return;
  if (m.reject) pr.pending_snapshot = 0;  // failed: probe from match again
  pr.become_probe();
  // Wait for the follower's next answer (heartbeat response) before probing.
  pr.probe_sent = true;
}

// ------------------------------------------------------------------ follower side

void Raft::handle_append(const Message& m) {
  Message r;
  r.type = MessageType::kAppResp;
  r.to = m.from;
  if (m.index < log_.committed()) {
    r.index = log_.committed();  // already have it all; tell the leader where we are
    send(std::move(r));
    return;
  }
  if (auto last = log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    r.index = *last;
    send(std::move(r));
    return;
  }
  // Reject with a hint: our last entry at or below m.index whose term is <= m.log_term. Every
  // entry between it and m.index cannot match, so the leader may skip them all.
  auto [hint_index, hint_term] =
      log_.find_conflict_by_term(std::min(m.index, log_.last_index()), m.log_term);
  r.index = m.index;
  r.reject = true;
  r.reject_hint = hint_index;
  r.log_term = hint_term;
  send(std::move(r));
}

void Raft::handle_heartbeat(const Message& m) {
  log_.commit_to(m.commit);
  Message r;
  r.type = MessageType::kHeartbeatResp;
  r.to = m.from;
  r.context = m.context;
  send(std::move(r));
}

void Raft::handle_snapshot(const Message& m) {
  Message r;
  r.type = MessageType::kAppResp;
  r.to = m.from;
  r.index = restore(m.snapshot) ? log_.last_index() : log_.committed();
  send(std::move(r));
}

bool Raft::restore(const Snapshot& s) {
  if (s.metadata.index <= log_.committed()) return false;
  if (log_.match_term(s.metadata.index, s.metadata.term)) {
    // We already hold that entry: just fast-forward the commit index.
    log_.commit_to(s.metadata.index);
    return false;
  }
  log_.restore(s);
  prs_.reset_config(s.metadata.conf_state.voters, log_.last_index() + 1);
  return true;
}

}  // namespace coord::raft
