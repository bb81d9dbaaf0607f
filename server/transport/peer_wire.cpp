#include "server/transport/peer_wire.hpp"

#include "server/common/coding.hpp"
#include "server/raft/codec.hpp"

namespace coord::transport {

namespace {

void put_batch(Encoder& e, const std::vector<std::string>& encoded_messages) {
  e.put_u32(kPeerWireMagic);
  e.put_u8(kPeerWireVersion);
  e.put_varint(encoded_messages.size());
  for (const auto& m : encoded_messages) e.put_bytes(m);
}

std::size_t batch_size_bound(const std::vector<std::string>& encoded_messages) {
  std::size_t total = 16;
  for (const auto& m : encoded_messages) total += m.size() + 10;
  return total;
}

}  // namespace

std::string encode_batch(const std::vector<std::string>& encoded_messages) {
  std::string out;
  out.reserve(batch_size_bound(encoded_messages));
  Encoder e(out);
  put_batch(e, encoded_messages);
  return out;
}

void append_stream_frame(std::string& out, const std::vector<std::string>& encoded_messages) {
  const std::size_t at = out.size();
  out.reserve(at + 4 + batch_size_bound(encoded_messages));
  Encoder e(out);
  e.put_u32(0);  // the length, patched below once known
  put_batch(e, encoded_messages);
  const auto length = static_cast<std::uint32_t>(out.size() - at - 4);
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xff);
}

Result<StreamFrames> decode_stream_frames(std::string_view buffer) {
  StreamFrames out;
  while (buffer.size() - out.consumed >= 4) {
    Decoder d(buffer.substr(out.consumed, 4));
    std::uint32_t length = 0;
    d.get_u32(length);
    if (length > kMaxStreamFrameBytes) return Status::corruption("peer stream: frame too large");
    if (buffer.size() - out.consumed - 4 < length) break;  // the rest comes with the next read
    auto batch = decode_batch(buffer.substr(out.consumed + 4, length));
    if (!batch) return batch.status();
    for (auto& m : *batch) out.messages.push_back(std::move(m));
    out.consumed += 4 + length;
  }
  return out;
}

std::optional<std::uint64_t> parse_sender_id(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t id = 0;
  for (char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return std::nullopt;
    id = (id << 4) | static_cast<std::uint64_t>(digit);
  }
  if (id == 0) return std::nullopt;
  return id;
}

Result<std::vector<raft::Message>> decode_batch(std::string_view body) {
  Decoder d(body);
  std::uint32_t magic = 0;
  std::uint8_t version = 0;
  std::uint64_t count = 0;
  if (!d.get_u32(magic) || magic != kPeerWireMagic) return Status::corruption("peer batch: bad magic");
  if (!d.get_u8(version) || version != kPeerWireVersion) return Status::corruption("peer batch: unknown version");
  // Each message takes its length varint and kMinMessageBytes at least: a count the body cannot
  // hold is refused before it sizes the vector.
  if (!d.get_count(count, 1 + raft::kMinMessageBytes)) return Status::corruption("peer batch: bad count");
  std::vector<raft::Message> out;
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view bytes;
    if (!d.get_bytes(bytes)) return Status::corruption("peer batch: truncated");
    auto m = raft::decode_message(bytes);
    if (!m) return m.status();
    out.push_back(std::move(*m));
  }
  if (!d.done()) return Status::corruption("peer batch: trailing bytes");
  return out;
}

std::string encode_snapshot_preamble(const raft::Message& snapshot, std::uint64_t file_bytes) {
  std::string out;
  append_stream_frame(out, {raft::encode(snapshot)});
  Encoder e(out);
  e.put_u64(file_bytes);
  return out;
}

Result<std::optional<SnapshotPreamble>> decode_snapshot_preamble(std::string_view buffer) {
  if (buffer.size() < 4) return std::optional<SnapshotPreamble>{};
  Decoder d(buffer.substr(0, 4));
  std::uint32_t length = 0;
  d.get_u32(length);
  if (length > kMaxSnapshotMessageBytes) return Status::corruption("snapshot stream: message frame too large");
  if (buffer.size() < 4 + std::size_t{length} + 8) return std::optional<SnapshotPreamble>{};
  auto batch = decode_batch(buffer.substr(4, length));
  if (!batch) return batch.status();
  if (batch->size() != 1 || batch->front().type != raft::MessageType::kSnap)
    return Status::corruption("snapshot stream: the frame must hold one snapshot message");
  if (!batch->front().snapshot.data.empty())
    return Status::corruption("snapshot stream: the message carries data (the data is the file)");
  SnapshotPreamble out;
  out.message = std::move(batch->front());
  Decoder size(buffer.substr(4 + length, 8));
  size.get_u64(out.file_bytes);
  out.consumed = 4 + std::size_t{length} + 8;
  return std::optional<SnapshotPreamble>{std::move(out)};
}

std::string encode_snapshot_answer(std::uint16_t status, std::string_view text) {
  text = text.substr(0, kMaxSnapshotAnswerText);
  std::string out;
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((status >> (8 * i)) & 0xff));
  const auto n = static_cast<std::uint16_t>(text.size());
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.append(text);
  return out;
}

std::pair<std::uint16_t, std::uint16_t> decode_snapshot_answer_head(std::string_view head) {
  auto u16 = [&](std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(head[at]) |
                                      (static_cast<unsigned char>(head[at + 1]) << 8));
  };
  return {u16(0), u16(2)};
}

}  // namespace coord::transport
