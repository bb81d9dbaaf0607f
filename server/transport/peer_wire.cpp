#include "server/transport/peer_wire.hpp"

#include "server/common/coding.hpp"
#include "server/raft/codec.hpp"

namespace coord::transport {

std::string encode_batch(const std::vector<std::string>& encoded_messages) {
  std::size_t total = 16;
  for (const auto& m : encoded_messages) total += m.size() + 5;
  std::string out;
  out.reserve(total);
  Encoder e(out);
  e.put_u32(kPeerWireMagic);
  e.put_u8(kPeerWireVersion);
  e.put_varint(encoded_messages.size());
  for (const auto& m : encoded_messages) e.put_bytes(m);
  return out;
}

Result<std::vector<raft::Message>> decode_batch(std::string_view body) {
  Decoder d(body);
  std::uint32_t magic = 0;
  std::uint8_t version = 0;
  std::uint64_t count = 0;
  if (!d.get_u32(magic) || magic != kPeerWireMagic) return Status::corruption("peer batch: bad magic");
  if (!d.get_u8(version) || version != kPeerWireVersion) return Status::corruption("peer batch: unknown version");
  if (!d.get_count(count, 1)) return Status::corruption("peer batch: bad count");
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
