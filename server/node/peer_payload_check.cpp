#include "server/node/peer_payload_check.hpp"

#include <string>

#include "server/apply/request_codec.hpp"
#include "server/node/member_codec.hpp"
#include "server/raft/codec.hpp"
#include "server/store/store.hpp"

namespace coord::node {

namespace {

Status refuse(const raft::Message& m, const std::string& why) {
  return Status::invalid_argument(std::string("peer ") + raft::to_string(m.type) + " refused: " + why);
}

Status check_conf_change_entry(const raft::Message& m, const raft::Entry& e) {
  auto cc = raft::decode_conf_change(e.data);
  if (!cc) return refuse(m, "conf change entry does not decode: " + cc.status().message());
  if (cc->node_id == raft::kNoNode) return refuse(m, "conf change for node 0");
  if (!cc->context.empty()) {
    auto context = decode_conf_context(cc->context);
    if (!context) return refuse(m, "conf change context does not decode: " + context.status().message());
  }
  return Status::ok();
}

// The methods a member hands to its leader as a normal entry (server/node/node.cpp).
bool forwardable(const apply::Request& r, raft::NodeId sender) {
  switch (r.method) {
    case apply::Method::kPut:
    case apply::Method::kPost:
    case apply::Method::kDelete:
    case apply::Method::kQGet:
    case apply::Method::kSync:
    case apply::Method::kClusterVersion:
    case apply::Method::kAuth:  // auth writes are proposed by whichever member the client asked
      return true;
    case apply::Method::kMemberPublish:
      return r.member_id == sender;
    case apply::Method::kMemberAdd:
    case apply::Method::kMemberRemove:
    case apply::Method::kMemberUpdate:
      return false;
  }
  return false;
}

Status check_entry(const raft::Message& m, const raft::Entry& e, bool proposal) {
  if (e.type == raft::EntryType::kConfChange) return check_conf_change_entry(m, e);
  if (e.data.empty()) return proposal ? refuse(m, "empty proposal") : Status::ok();
  auto request = apply::decode_request(e.data);
  if (!request) return refuse(m, "entry does not decode: " + request.status().message());
  if (proposal && !forwardable(*request, m.from)) return refuse(m, "a method members do not forward");
  return Status::ok();
}

}  // namespace

Result<store::DecodedState> decode_received_snapshot(std::string_view data) {
  auto decoded = store::Store::decode(data);
  if (!decoded)
    return Status::invalid_argument("peer snapshot refused: snapshot data does not decode: " + decoded.status().message());
  return decoded;
}

Status check_peer_payloads(const raft::Message& m) {
  switch (m.type) {
    case raft::MessageType::kProp:
    case raft::MessageType::kApp:
      for (const raft::Entry& e : m.entries)
        COORD_RETURN_IF_ERROR(check_entry(m, e, m.type == raft::MessageType::kProp));
      return Status::ok();
    case raft::MessageType::kSnap:
      // The data travels as a file, received and checked before the message is stepped
      // (decode_received_snapshot); a message carrying it is not one this build sends.
      if (!m.snapshot.data.empty()) return refuse(m, "snapshot data in the message (it travels as a file)");
      return Status::ok();
    default:
      return Status::ok();
  }
}

}  // namespace coord::node
