#include "server/raft/codec.hpp"

#include <utility>

#include "server/common/coding.hpp"

namespace coord::raft {

const char* to_string(MessageType t) {
  static const char* const kNames[] = {
      "Hup",  "Beat",          "Prop",       "App",         "AppResp",        "Vote",
      "VoteResp", "Snap",      "Heartbeat",  "HeartbeatResp", "Unreachable",  "SnapStatus",
      "CheckQuorum", "TransferLeader", "TimeoutNow", "ReadIndex", "ReadIndexResp", "PreVote",
      "PreVoteResp"};
  auto i = static_cast<std::size_t>(t);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "Unknown";
}

namespace {

// Smallest possible encodings, used to bound counts before reserving.
constexpr std::size_t kMinEntryBytes = 8 + 8 + 1 + 1;
constexpr std::size_t kVoterBytes = 8;

void put_header(Encoder& enc, CodecKind kind) {
  enc.put_u8(kCodecVersion);
  enc.put_u8(static_cast<std::uint8_t>(kind));
}

Status check_header(Decoder& dec, CodecKind kind) {
  std::uint8_t version = 0, k = 0;
  if (!dec.get_u8(version) || !dec.get_u8(k)) return Status::corruption("raft codec: truncated header");
  if (version != kCodecVersion) {
    return Status::corruption("raft codec: unsupported version " + std::to_string(version));
  }
  if (k != static_cast<std::uint8_t>(kind)) {
    return Status::corruption("raft codec: unexpected kind " + std::to_string(k));
  }
  return Status::ok();
}

Status finish(const Decoder& dec, const char* what) {
  if (!dec.ok()) return Status::corruption(std::string("raft codec: malformed ") + what);
  if (!dec.done()) return Status::corruption(std::string("raft codec: trailing bytes after ") + what);
  return Status::ok();
}

void put_entry(Encoder& enc, const Entry& e) {
  enc.put_u64(e.term);
  enc.put_u64(e.index);
  enc.put_u8(static_cast<std::uint8_t>(e.type));
  enc.put_bytes(e.data);
}

bool get_entry(Decoder& dec, Entry& e) {
  std::uint8_t type = 0;
  if (!dec.get_u64(e.term) || !dec.get_u64(e.index) || !dec.get_u8(type)) return false;
  if (type > static_cast<std::uint8_t>(EntryType::kConfChange)) return false;
  e.type = static_cast<EntryType>(type);
  std::string_view data;
  if (!dec.get_bytes(data)) return false;
  e.data = SharedBytes(data);
  return true;
}

void put_conf_state(Encoder& enc, const ConfState& cs) {
  enc.put_varint(cs.voters.size());
  for (NodeId id : cs.voters) enc.put_u64(id);
}

bool get_conf_state(Decoder& dec, ConfState& cs) {
  std::uint64_t n = 0;
  if (!dec.get_count(n, kVoterBytes)) return false;
  cs.voters.resize(n);
  for (auto& id : cs.voters) {
    if (!dec.get_u64(id)) return false;
  }
  return true;
}

void put_metadata(Encoder& enc, const SnapshotMetadata& md) {
  enc.put_u64(md.index);
  enc.put_u64(md.term);
  put_conf_state(enc, md.conf_state);
}

bool get_metadata(Decoder& dec, SnapshotMetadata& md) {
  return dec.get_u64(md.index) && dec.get_u64(md.term) && get_conf_state(dec, md.conf_state);
}

void put_snapshot(Encoder& enc, const Snapshot& s) {
  put_metadata(enc, s.metadata);
  enc.put_bytes(s.data);
}

bool get_snapshot(Decoder& dec, Snapshot& s) {
  return get_metadata(dec, s.metadata) && dec.get_bytes(s.data);
}

// Decodes a whole top-level value: header, body, no trailing bytes.
template <class T, class F>
Result<T> decode_whole(std::string_view in, CodecKind kind, const char* what, F body) {
  Decoder dec(in);
  COORD_RETURN_IF_ERROR(check_header(dec, kind));
  T v{};
  if (!body(dec, v) && dec.ok()) {
    return Status::corruption(std::string("raft codec: invalid value in ") + what);
  }
  COORD_RETURN_IF_ERROR(finish(dec, what));
  return v;
}

}  // namespace

std::string encode(const Entry& e) {
  std::string out;
  out.reserve(2 + kMinEntryBytes + e.data.size());
  Encoder enc(out);
  put_header(enc, CodecKind::kEntry);
  put_entry(enc, e);
  return out;
}

std::string encode(const HardState& hs) {
  std::string out;
  Encoder enc(out);
  put_header(enc, CodecKind::kHardState);
  enc.put_u64(hs.term);
  enc.put_u64(hs.vote);
  enc.put_u64(hs.commit);
  return out;
}

std::string encode(const ConfChange& cc) {
  std::string out;
  Encoder enc(out);
  put_header(enc, CodecKind::kConfChange);
  enc.put_u8(static_cast<std::uint8_t>(cc.type));
  enc.put_u64(cc.node_id);
  enc.put_bytes(cc.context);
  return out;
}

std::string encode(const SnapshotMetadata& md) {
  std::string out;
  Encoder enc(out);
  put_header(enc, CodecKind::kSnapshotMetadata);
  put_metadata(enc, md);
  return out;
}

std::string encode(const Snapshot& s) {
  std::string out;
  Encoder enc(out);
  put_header(enc, CodecKind::kSnapshot);
  put_snapshot(enc, s);
  return out;
}

std::string encode(const Message& m) {
  std::size_t size = 2 + 64 + m.context.size();
  for (const Entry& e : m.entries) size += kMinEntryBytes + 9 + e.data.size();
  if (!m.snapshot.empty()) size += 32 + m.snapshot.data.size();
  std::string out;
  out.reserve(size);
  Encoder enc(out);
  put_header(enc, CodecKind::kMessage);
  enc.put_u8(static_cast<std::uint8_t>(m.type));
  enc.put_u64(m.from);
  enc.put_u64(m.to);
  enc.put_u64(m.term);
  enc.put_u64(m.log_term);
  enc.put_u64(m.index);
  enc.put_u64(m.commit);
  enc.put_bool(m.reject);
  enc.put_u64(m.reject_hint);
  enc.put_varint(m.entries.size());
  for (const Entry& e : m.entries) put_entry(enc, e);
  enc.put_bool(!m.snapshot.empty());
  if (!m.snapshot.empty()) put_snapshot(enc, m.snapshot);
  enc.put_bytes(m.context);
  return out;
}

Result<Entry> decode_entry(std::string_view in) {
  return decode_whole<Entry>(in, CodecKind::kEntry, "entry",
                             [](Decoder& dec, Entry& e) { return get_entry(dec, e); });
}

Result<HardState> decode_hard_state(std::string_view in) {
  return decode_whole<HardState>(in, CodecKind::kHardState, "hard state",
                                 [](Decoder& dec, HardState& hs) {
                                   return dec.get_u64(hs.term) && dec.get_u64(hs.vote) &&
                                          dec.get_u64(hs.commit);
                                 });
}

Result<ConfChange> decode_conf_change(std::string_view in) {
  return decode_whole<ConfChange>(in, CodecKind::kConfChange, "conf change",
                                  [](Decoder& dec, ConfChange& cc) {
                                    std::uint8_t type = 0;
                                    if (!dec.get_u8(type)) return false;
                                    if (type > static_cast<std::uint8_t>(ConfChangeType::kUpdateNode)) {
                                      return false;
                                    }
                                    cc.type = static_cast<ConfChangeType>(type);
                                    return dec.get_u64(cc.node_id) && dec.get_bytes(cc.context);
                                  });
}

Result<SnapshotMetadata> decode_snapshot_metadata(std::string_view in) {
  return decode_whole<SnapshotMetadata>(in, CodecKind::kSnapshotMetadata, "snapshot metadata",
                                        [](Decoder& dec, SnapshotMetadata& md) {
                                          return get_metadata(dec, md);
                                        });
}

Result<Snapshot> decode_snapshot(std::string_view in) {
  return decode_whole<Snapshot>(in, CodecKind::kSnapshot, "snapshot",
                                [](Decoder& dec, Snapshot& s) { return get_snapshot(dec, s); });
}

namespace {
bool get_message(Decoder& dec, Message& m) {
  std::uint8_t type = 0;
  if (!dec.get_u8(type) || type > kMaxMessageType) return false;
  m.type = static_cast<MessageType>(type);
  if (!dec.get_u64(m.from) || !dec.get_u64(m.to) || !dec.get_u64(m.term) ||
      !dec.get_u64(m.log_term) || !dec.get_u64(m.index) || !dec.get_u64(m.commit) ||
      !dec.get_bool(m.reject) || !dec.get_u64(m.reject_hint)) {
    return false;
  }
  std::uint64_t n = 0;
  if (!dec.get_count(n, kMinEntryBytes)) return false;
  m.entries.resize(n);
  for (Entry& e : m.entries) {
    if (!get_entry(dec, e)) return false;
  }
  bool has_snapshot = false;
  if (!dec.get_bool(has_snapshot)) return false;
  // The encoder sets the flag only for a non-empty snapshot (index > 0); a flagged empty one
  // would decode to a snapshot the next encode drops.
  if (has_snapshot && (!get_snapshot(dec, m.snapshot) || m.snapshot.empty())) return false;
  return dec.get_bytes(m.context);
}
}  // namespace

Result<Message> decode_message(std::string_view in) {
  return decode_whole<Message>(in, CodecKind::kMessage, "message", get_message);
}

}  // namespace coord::raft
