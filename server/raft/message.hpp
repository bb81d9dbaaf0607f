// Message: the one unit Raft members exchange, plus the local inputs (tick-driven hup/beat,
// reports) that travel through the same step() path. A plain value; safe to copy between
// threads. The wire form is in server/raft/codec.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/raft/types.hpp"

namespace coord::raft {

// Wire values are part of the codec format (codec.hpp): never renumber, only append.
enum class MessageType : std::uint8_t {
  kHup = 0,              // local: start an election (pre-vote first when enabled)
  kBeat = 1,             // local: leader sends heartbeats
  kProp = 2,             // a proposal; a follower forwards it to the leader
  kApp = 3,              // leader -> follower: append entries after (index, log_term)
  kAppResp = 4,          // follower -> leader: accepted up to index, or reject with hint
  kVote = 5,             // candidate -> all: request a vote for term
  kVoteResp = 6,
  kSnap = 7,             // leader -> follower: install snapshot
  kHeartbeat = 8,        // leader -> follower: carries min(commit, follower's match)
  kHeartbeatResp = 9,
  kUnreachable = 10,     // local: the transport could not reach `from`
  kSnapStatus = 11,      // local: snapshot sent to `from` succeeded (reject=false) or failed
  kCheckQuorum = 12,     // local: leader checks it heard from a quorum this election period
  kTransferLeader = 13,  // ask the leader to hand leadership to `from`
  kTimeoutNow = 14,      // leader -> transferee: campaign now, ignoring the election timer
  kReadIndex = 15,       // a linearizable read request; a follower forwards it to the leader
  kReadIndexResp = 16,   // leader -> follower: the read index (in `index`) for `context`
  kPreVote = 17,         // pre-candidate -> all: would you vote for me at term (not yet taken)?
  kPreVoteResp = 18,
};
constexpr std::uint8_t kMaxMessageType = 18;

// True for message types that never cross the network (produced and consumed locally).
constexpr bool is_local_message(MessageType t) {
  return t == MessageType::kHup || t == MessageType::kBeat || t == MessageType::kUnreachable ||
         t == MessageType::kSnapStatus || t == MessageType::kCheckQuorum;
}

// True for responses: a response is only meaningful for the term of the request it answers.
constexpr bool is_response_message(MessageType t) {
  return t == MessageType::kAppResp || t == MessageType::kVoteResp ||
         t == MessageType::kHeartbeatResp || t == MessageType::kUnreachable ||
         t == MessageType::kPreVoteResp;
}

const char* to_string(MessageType t);

struct Message {
  MessageType type = MessageType::kHup;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  std::uint64_t term = 0;      // sender's term (0 for local messages and forwarded proposals)
  std::uint64_t log_term = 0;  // kApp: term of entry at `index`; kVote/kPreVote: candidate's last term
  std::uint64_t index = 0;     // kApp: index preceding `entries`; kAppResp: match or rejected index
  std::uint64_t commit = 0;    // leader's commit index (kApp, kHeartbeat)
  std::vector<Entry> entries;  // kApp, kProp
  bool reject = false;         // responses: request refused
  std::uint64_t reject_hint = 0;  // kAppResp reject: follower's last index (conflict hint)
  Snapshot snapshot;           // kSnap
  std::string context;         // kReadIndex/kReadIndexResp/kHeartbeat(Resp): read request id;
                               // kVote/kPreVote: "transfer" when campaigning for leader transfer

  friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace coord::raft
