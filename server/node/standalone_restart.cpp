#include "server/node/standalone_restart.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "server/node/member_codec.hpp"
#include "server/raft/codec.hpp"

namespace coord::node {

Result<StandaloneRestart> restart_as_standalone(DurableLog& log, std::uint64_t self,
                                                const std::vector<std::string>& self_peer_urls) {
  const raft::MemoryStorage& memory = log.memory();
  auto snapshot = memory.snapshot();  // metadata only
  if (!snapshot) return snapshot.status();
  raft::HardState hs = memory.hard_state();
  // The snapshot was applied, so it was committed, even if the hard state on disk is older.
  const std::uint64_t commit = std::max(hs.commit, snapshot->metadata.index);

  // The voters as of the commit index: the snapshot's, then every committed conf change.
  std::set<std::uint64_t> voters(snapshot->metadata.conf_state.voters.begin(),
                                 snapshot->metadata.conf_state.voters.end());
  if (commit >= memory.first_index()) {
    auto committed = memory.entries(memory.first_index(), commit + 1, std::numeric_limits<std::uint64_t>::max());
    if (!committed) return committed.status();
    for (const raft::Entry& e : *committed) {
      if (e.type != raft::EntryType::kConfChange) continue;
      auto cc = raft::decode_conf_change(e.data);
      if (!cc) return cc.status();
      if (cc->type == raft::ConfChangeType::kAddNode) voters.insert(cc->node_id);
      if (cc->type == raft::ConfChangeType::kRemoveNode) voters.erase(cc->node_id);
    }
  }

  StandaloneRestart out;
  out.commit = commit;
  out.dropped = memory.last_index() > commit ? memory.last_index() - commit : 0;
  if (voters.size() == 1 && voters.count(self) == 1) return out;  // already alone: it commits its own log

  // New entries must not go below the term of what they follow; the hard state's term covers
  // every entry in the log.
  auto commit_term = memory.term(commit);
  if (!commit_term) return commit_term.status();
  const std::uint64_t term = std::max(hs.term, *commit_term);
  std::vector<raft::Entry> entries;
  auto append = [&](raft::ConfChange cc) {
    entries.push_back(raft::Entry{term, commit + entries.size() + 1, raft::EntryType::kConfChange, raft::encode(cc)});
  };
  // Self first: the voter set must never become empty.
  if (voters.count(self) == 0) {
    store::Member member;
    member.id = self;
    member.peer_urls = self_peer_urls;
    append(raft::ConfChange{raft::ConfChangeType::kAddNode, self, encode_conf_context(ConfContext{0, member})});
    out.added_self = true;
  }
  for (std::uint64_t id : voters) {
    if (id == self) continue;
    store::Member member;
    member.id = id;
    append(raft::ConfChange{raft::ConfChangeType::kRemoveNode, id, encode_conf_context(ConfContext{0, member})});
    out.removed.push_back(id);
  }
  hs.term = term;
  hs.commit = entries.back().index;
  // Appending at commit + 1 replaces the uncommitted suffix, in memory and on WAL replay.
  COORD_RETURN_IF_ERROR(log.save(hs, entries, true));
  out.commit = hs.commit;
  return out;
}

}  // namespace coord::node
