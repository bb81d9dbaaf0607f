// The peer wire format: how Raft messages travel between members.
//
// A sender POSTs batches to  <peer URL>/raft  over a persistent HTTP/1.1 connection:
//   headers  X-Etcd-Cluster-Id: <cluster id, hex>   X-Server-From: <sender member id, hex>
//            Content-Type: application/octet-stream
//   body     u32 magic 0x5043524d ("MRCP") | u8 version (kPeerWireVersion) | varint count |
//            count x ( bytes message )         bytes = varint length + raft::encode(Message)
// Answers: 204 accepted; 412 {"message":"cluster ID mismatch"} (another cluster's member);
// 410 {"message":"member removed"} (the sender was removed from the cluster: it must stop);
// 400 malformed batch. A batch holds many appends and heartbeats; a snapshot message travels
// alone so its delivery can be reported (raft report_snapshot).
//
// GET <peer URL>/members answers {"members":[...]} (as /v2/members) with X-Etcd-Cluster-Id,
// so a member joining with --initial-cluster-state existing learns the cluster id and its own id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/common/status.hpp"
#include "server/raft/message.hpp"

namespace coord::transport {

inline constexpr std::uint32_t kPeerWireMagic = 0x5043524d;
inline constexpr std::uint8_t kPeerWireVersion = 1;
// A batch larger than this is split (snapshots travel alone and may be larger).
inline constexpr std::size_t kMaxBatchBytes = 4u << 20;
// The peer listener's request body limit: snapshots of large stores must fit.
inline constexpr std::size_t kMaxPeerBodyBytes = 2048ull << 20;

std::string encode_batch(const std::vector<std::string>& encoded_messages);
Result<std::vector<raft::Message>> decode_batch(std::string_view body);

}  // namespace coord::transport
