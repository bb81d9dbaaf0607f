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

}  // namespace coord::transport
