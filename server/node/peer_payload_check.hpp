// What the Raft core cannot judge in a message from a peer: whether the payloads it carries
// would apply. An entry that commits but does not decode stops every member at apply (a
// COORD_CHECK in Node::apply_committed), again on every restart, so a forwarded proposal or an
// append carrying one is refused before it reaches the log; a snapshot whose store image does
// not decode is refused before its file is renamed into place. Pure functions; safe from any thread.
#pragma once

#include <string_view>

#include "server/common/status.hpp"
#include "server/raft/message.hpp"
#include "server/store/store.hpp"

namespace coord::node {

// Ok when every payload of `m` decodes (kInvalidArgument naming the first that does not):
//  * kProp (a follower's forwarded proposal): each entry is a normal entry holding a request
//    (server/apply/request_codec.hpp) of a method a member proposes that way — keys methods,
//    SYNC, the cluster version, or a publish of the sender's own attributes (membership
//    itself changes only through conf-change entries) — or a conf-change entry holding a
//    ConfChange for a non-zero node whose context, if any, is a ConfContext (member_codec.hpp);
//  * kApp: each entry decodes as its type says (a normal entry may be empty: a leader's no-op);
//  * kSnap: carries no data (the data travels as a snapshot file, checked by the transport
//    with decode_received_snapshot before the message is stepped).
Status check_peer_payloads(const raft::Message& m);

// The store state of `data` (a received snapshot file's data) when it is a store image
// (store::Store::decode), kInvalidArgument otherwise. One whole decode (0.2 s per million keys;
// rare: a follower far behind): the caller hands the state to Node::step_snapshot, so that the
// install on the raft loop does not decode the file a second time.
Result<store::DecodedState> decode_received_snapshot(std::string_view data);

}  // namespace coord::node
