// Ready: one batch of work the Raft core hands to the raft loop (state to persist, messages to
// send, entries to apply), and the small value types it carries. Plain values; safe to move
// to other threads (e.g. a transport) once taken from the RawNode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/raft/message.hpp"
#include "server/raft/types.hpp"

namespace coord::raft {

enum class Role : std::uint8_t { kFollower = 0, kPreCandidate = 1, kCandidate = 2, kLeader = 3 };
const char* to_string(Role r);

// Volatile state worth telling the application about when it changes (who leads, our role).
struct SoftState {
  NodeId lead = kNoNode;
  Role role = Role::kFollower;
  friend bool operator==(const SoftState&, const SoftState&) = default;
};

// A linearizable read may be served once the applied index reaches `index`.
struct ReadState {
  std::uint64_t index = 0;
  std::string context;  // the request id passed to RawNode::read_index
  friend bool operator==(const ReadState&, const ReadState&) = default;
};

struct Ready {
  // Set only when lead or role changed since the last Ready.
  std::optional<SoftState> soft_state;
  // Set only when term, vote or commit changed: persist it.
  std::optional<HardState> hard_state;
  // Unstable entries to append to stable storage (WAL, then MemoryStorage::append).
  std::vector<Entry> entries;
  // A snapshot received from the leader: persist it, MemoryStorage::apply_snapshot it and load
  // it into the state machine. empty() when there is none.
  Snapshot snapshot;
  // Committed entries to apply in order. May include entries that are also in `entries` of
  // this same Ready: persist first, then apply.
  std::vector<Entry> committed_entries;
  // Messages to send. See RawNode for when they may be sent relative to persisting.
  std::vector<Message> messages;
  // Reads whose leadership check completed; serve each once applied >= index.
  std::vector<ReadState> read_states;
  // True when hard_state's term/vote changed or entries is non-empty: the write must be
  // fsync'ed before the messages of this Ready are sent (commit-only changes need no fsync).
  bool must_sync = false;

  bool empty() const {
    return !soft_state && !hard_state && entries.empty() && snapshot.empty() &&
           committed_entries.empty() && messages.empty() && read_states.empty();
  }
};

}  // namespace coord::raft
