// The peer wire format: how Raft messages travel between members.
//
// A sender POSTs batches to  <peer URL>/raft over a persistent HTTP/1.1 connection (snapshots
// travel on a connection of their own, "The snapshot stream" below):
//   headers  X-Etcd-Cluster-Id: <cluster id, hex>   X-Server-From: <sender member id, hex>
//            Content-Type: application/octet-stream
//   body     u32 magic 0x5043524d ("MRCP") | u8 version (kPeerWireVersion) | varint count |
//            count x ( bytes message )         bytes = varint length + raft::encode(Message)
// Answers: 204 accepted; 412 {"message":"cluster ID mismatch"} (another cluster's member);
// 410 {"message":"member removed"} (the sender was removed from the cluster: it must stop);
// 400 a missing or malformed X-Server-From (not 1-16 hex digits, 0, or our own id), a malformed
// batch, a message not from the sender or not to us, or one refused as no correct member sends
// it (server/raft/message_check.hpp, server/node/peer_payload_check.hpp); 413 a body over the
// limit of its kind (below). A batch holds many appends and heartbeats, never a snapshot
// message (refused 400 on /raft and on the message stream: a snapshot's data comes as a file).
//
// Limits, per kind of peer message. The peer listener reads each request's head first
// (Transport::check_head): cluster id and sender are checked, and a Content-Length over the
// limit of the path refused (413), before any byte of the body is read.
//   stream frame                kMaxStreamFrameBytes  (8 MiB: twice the batch a sender builds),
//                               refused from its length prefix, before its bytes are kept
//   POST /raft                  kMaxPipelineBodyBytes (8 MiB, as a frame: pipeline messages)
//   snapshot stream             its message kMaxSnapshotMessageBytes, its file the declared
//                               size, at most snap::SnapshotFileReceiver::kMaxFileBytes (8 GiB)
//   POST /raft/snapshot         the previous builds' whole-snapshot body: refused at its head
//                               (400, nothing read), so an older leader hears a failed snapshot
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
// connection; the sender reconnects. A snapshot message on it is refused so (snapshots travel
// on the snapshot stream, below).
//
// The snapshot stream (how a snapshot travels, with its data read from the leader's snapshot
// file and written to the follower's snapshot directory in pieces: neither side holds it whole):
//   GET /raft/snapshot/stream HTTP/1.1   Connection: Upgrade   Upgrade: coord-raft-snapshot/2
//   X-Etcd-Cluster-Id, X-Server-From as above
// The peer answers 101 (or 412 / 410 / 400 as above, 503 while it receives another snapshot or
// keeps no snapshot files); then the sender writes, once:
//   u32 length | batch (as above) of one snapshot message without data (<= kMaxSnapshotMessageBytes)
//   u64 file length F | F bytes: the leader's .snap file of that index and term, as stored
//                       (server/snap/snap_format.hpp: header, data, CRC)
// and the receiver, once the file is in (checked: size, header naming the message's snapshot,
// CRC, data a store image; renamed into the snapshot directory; the message stepped), answers
//   u16 status (204 taken, 400 refused, 410 sender removed) | u16 length | that many bytes of text
// and closes. The sender reports 204 as a delivered snapshot, anything else (or a cut
// connection, or no answer in time) as a failed one. A receiver of a previous build answers the
// upgrade with 404 or 405: a failed snapshot, never misread bytes.
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
// The message that opens a snapshot stream (metadata only: its voters).
inline constexpr std::size_t kMaxSnapshotMessageBytes = 1u << 20;
// Requests that carry no messages (GET /members, the stream upgrade, unknown paths).
inline constexpr std::size_t kMaxControlBodyBytes = 64u << 10;
// The peer listener's request body limit: the largest of the kinds above (a snapshot's file
// never comes as a body).
inline constexpr std::size_t kMaxPeerBodyBytes = kMaxPipelineBodyBytes;
// Message streams one claimed sender may hold open at once (a reconnecting peer's old stream
// may linger until its idle one is evicted; see Transport::open_stream).
inline constexpr std::size_t kMaxStreamsPerPeer = 4;

inline constexpr std::string_view kStreamPath = "/raft/stream";
inline constexpr std::string_view kSnapshotPath = "/raft/snapshot";  // previous builds' (refused)
inline constexpr std::string_view kSnapshotStreamPath = "/raft/snapshot/stream";
inline constexpr std::string_view kSnapshotProtocol = "coord-raft-snapshot/2";
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

// The start of a snapshot stream: the frame of `snapshot` (its data must be empty) and the
// length of the file that follows.
std::string encode_snapshot_preamble(const raft::Message& snapshot, std::uint64_t file_bytes);
struct SnapshotPreamble {
  raft::Message message;
  std::uint64_t file_bytes = 0;
  std::size_t consumed = 0;  // bytes of the buffer the preamble took
};
// The preamble at the front of `buffer`; nullopt while it is incomplete. An error when the frame
// announces more than kMaxSnapshotMessageBytes, does not decode, or is not exactly one snapshot
// message without data.
Result<std::optional<SnapshotPreamble>> decode_snapshot_preamble(std::string_view buffer);

// The receiver's answer at the end of a snapshot stream (text cut to 1 KiB).
inline constexpr std::size_t kSnapshotAnswerHeadBytes = 4;
inline constexpr std::size_t kMaxSnapshotAnswerText = 1024;
std::string encode_snapshot_answer(std::uint16_t status, std::string_view text);
// The status and the text's length from the answer's first kSnapshotAnswerHeadBytes.
std::pair<std::uint16_t, std::uint16_t> decode_snapshot_answer_head(std::string_view head);

}  // namespace coord::transport
