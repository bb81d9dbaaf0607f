// The peer wire format: how Raft messages travel between members.
//
// A sender POSTs batches to  <peer URL>/raft, and a snapshot message alone to
// <peer URL>/raft/snapshot, over a persistent HTTP/1.1 connection:
//   headers  X-Etcd-Cluster-Id: <cluster id, hex>   X-Server-From: <sender member id, hex>
//            Content-Type: application/octet-stream
//   body     u32 magic 0x5043524d ("MRCP") | u8 version (kPeerWireVersion) | varint count |
//            count x ( bytes message )         bytes = varint length + raft::encode(Message)
// Answers: 204 accepted; 412 {"message":"cluster ID mismatch"} (another cluster's member);
// 410 {"message":"member removed"} (the sender was removed from the cluster: it must stop);
// 400 a missing or malformed X-Server-From (not 1-16 hex digits, 0, or our own id), a malformed
// batch, a message not from the sender or not to us, or one refused as no correct member sends
// it (server/raft/message_check.hpp, server/node/peer_payload_check.hpp); 413 a body over the
// limit of its kind (below). A batch holds many appends and heartbeats; a snapshot message
// travels alone so its delivery can be reported (raft report_snapshot).
//
// Limits, per kind of peer message. The peer listener reads each request's head first
// (Transport::check_head): cluster id and sender are checked, and a Content-Length over the
// limit of the path refused (413), before any byte of the body is read.
//   stream frame                kMaxStreamFrameBytes  (8 MiB: twice the batch a sender builds),
//                               refused from its length prefix, before its bytes are kept
//   POST /raft/snapshot         kMaxSnapshotBodyBytes (2 GiB: a large store's image); the body
//                               must be one snapshot message
//   POST /raft                  kMaxPipelineBodyBytes (8 MiB, as a frame: pipeline messages,
//                               or a snapshot small enough)
//   anything else               kMaxControlBodyBytes (64 KiB: GET /members, the stream upgrade)
//   streams per claimed sender  kMaxStreamsPerPeer (4), from non-members 8 in all
//                               (Transport::open_stream)
// Counts inside a body (messages, entries, voters) are bounded by the bytes present: each item
// takes at least its minimal encoding (raft::kMinMessageBytes and codec.cpp).
//
// The message stream (how appends, heartbeats and their answers travel): a sender opens one
// connection per peer and asks for an upgrade:
//   GET /raft/stream HTTP/1.1   Connection: Upgrade   Upgrade: coord-raft-stream/1
//   X-Etcd-Cluster-Id: <cluster id, hex>   X-Server-From: <sender member id, hex>
// The peer answers 101 Switching Protocols (or 412 / 410 / 400 as above, 503 when the claimed
// sender has no room left for another stream);
// from then on the sender writes frames and the receiver never writes:
//   frame    u32 length (little-endian) | batch (as above, `length` bytes, <= kMaxStreamFrameBytes)
// No answer per batch: one write carries everything queued, and the connection's order is the
// order the receiver steps the messages in. A sender keeps its stream open with nothing to send
// (every member has one to every other) and then writes a frame of 0 messages every second or so,
// as etcd's link heartbeat: the receiver sees the stream live, the sender sees a dead one fail. A receiver that finds a malformed frame, a message
// not from the sender or not to it, or one whose payload does not decode, closes the
// connection; the sender reconnects. Snapshots travel alone, as POST /raft/snapshot.
//
// GET <peer URL>/members answers {"members":[...]} (as /v2/members) with X-Etcd-Cluster-Id,
// so a member joining with --initial-cluster-state existing learns the cluster id and its own id.
#pragma once

#include <cstdint>
#include <optional>
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
inline constexpr std::size_t kMaxStreamFrameBytes = 2 * kMaxBatchBytes;
// A POST /raft body that holds no snapshot: pipeline messages, as on the stream.
inline constexpr std::size_t kMaxPipelineBodyBytes = kMaxStreamFrameBytes;
// A POST /raft body holding a snapshot: snapshots of large stores must fit.
inline constexpr std::size_t kMaxSnapshotBodyBytes = 2048ull << 20;
// Requests that carry no messages (GET /members, the stream upgrade, unknown paths).
inline constexpr std::size_t kMaxControlBodyBytes = 64u << 10;
// The peer listener's request body limit: the largest of the kinds above.
inline constexpr std::size_t kMaxPeerBodyBytes = kMaxSnapshotBodyBytes;
// Message streams one claimed sender may hold open at once (a reconnecting peer's old stream
// may linger until its idle one is evicted; see Transport::open_stream).
inline constexpr std::size_t kMaxStreamsPerPeer = 4;

inline constexpr std::string_view kStreamPath = "/raft/stream";
inline constexpr std::string_view kSnapshotPath = "/raft/snapshot";
inline constexpr std::string_view kStreamProtocol = "coord-raft-stream/1";

// The sender id of X-Server-From: 1 to 16 hex digits, not 0; nullopt otherwise.
std::optional<std::uint64_t> parse_sender_id(std::string_view text);

std::string encode_batch(const std::vector<std::string>& encoded_messages);
Result<std::vector<raft::Message>> decode_batch(std::string_view body);

// Appends one stream frame holding `encoded_messages` (each raft::encode()d) to `out`.
void append_stream_frame(std::string& out, const std::vector<std::string>& encoded_messages);

// The complete frames at the front of a receive buffer: their messages in order, and how many
// bytes they used (a partial frame at the end is left for the next read). An error when a
// frame is malformed or announces more than kMaxStreamFrameBytes.
struct StreamFrames {
  std::vector<raft::Message> messages;
  std::size_t consumed = 0;
};
Result<StreamFrames> decode_stream_frames(std::string_view buffer);

}  // namespace coord::transport
