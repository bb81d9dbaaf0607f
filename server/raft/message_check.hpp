// Checks of a Message received from the network that need nothing but the message itself: a
// peer (or anyone who reached the peer port) may send any bytes, and the Raft core must refuse
// what no correct member sends before any of it touches its state. Checks that depend on the
// receiver's log or membership (a commit index past the log, a vote from a non-member) are
// made by Raft::step (raft.cpp). Pure functions; safe from any thread.
#pragma once

#include "server/common/status.hpp"
#include "server/raft/message.hpp"

namespace coord::raft {

// Ok when `m` could have been sent by a correct member; otherwise kInvalidArgument naming the
// rule it breaks:
//  * a local type (kHup, kBeat, kUnreachable, kSnapStatus, kCheckQuorum) never crosses the
//    network, and a message names its sender (from != 0);
//  * term 0 only on forwarded requests (kProp, kReadIndex), and those carry term 0: they are
//    outside the term protocol, so a term on them could only inflate ours;
//  * entries only on kApp and kProp, a snapshot only on kSnap;
//  * kApp: entries follow `index` one by one (index+1, index+2, ...), their terms never
//    decrease, are at least `log_term` (and 1) and at most the message's term, and
//    `log_term` is at most the message's term and 0 exactly when `index` is 0;
//  * kVote/kPreVote: the candidate's last log term is at most the term it campaigns for;
//  * kProp: at least one entry, each without term or index (the leader assigns them);
//  * kSnap: a snapshot with an index, a term no later than the message's, and a voter list
//    that is sorted, without duplicates and without node 0.
Status check_network_message(const Message& m);

}  // namespace coord::raft
