#include "server/snap/snap_format.hpp"

#include <cstdio>

#include "server/common/coding.hpp"
#include "server/common/hex.hpp"

namespace coord::snap {

std::string snapshot_name(std::uint64_t term, std::uint64_t index) {
  return hex_pair_name(term, index, ".snap");
}

std::optional<SnapshotName> parse_snapshot_name(std::string_view name) {
  SnapshotName out;
  if (!parse_hex_pair_name(name, ".snap", out.term, out.index)) return std::nullopt;
  return out;
}

std::string encode_header(const raft::SnapshotMetadata& m, std::uint64_t data_length) {
  std::string out;
  Encoder enc(out);
  enc.put_raw(kMagic);
  enc.put_u32(kFormatVersion);
  enc.put_u32(0);  // header length, patched below
  enc.put_u64(m.index);
  enc.put_u64(m.term);
  enc.put_u32(static_cast<std::uint32_t>(m.conf_state.voters.size()));
  for (auto v : m.conf_state.voters) enc.put_u64(v);
  enc.put_u64(data_length);
  const auto h = static_cast<std::uint32_t>(out.size());
  for (int i = 0; i < 4; ++i) out[12 + i] = static_cast<char>((h >> (8 * i)) & 0xff);
  return out;
}

Result<std::uint32_t> decode_header_length(std::string_view fixed) {
  Decoder dec(fixed);
  std::string_view magic;
  std::uint32_t version = 0, length = 0;
  if (!dec.get_raw(kMagic.size(), magic) || magic != kMagic) return Status::corruption("not a snapshot file (bad magic)");
  dec.get_u32(version);
  dec.get_u32(length);
  if (!dec.ok()) return Status::corruption("snapshot header cut short");
  if (version != kFormatVersion) return Status::corruption("unsupported snapshot format version " + std::to_string(version));
  if (length < kFixedHeaderBytes || length > kMaxHeaderBytes)
    return Status::corruption("snapshot header length " + std::to_string(length) + " out of range");
  return length;
}

Status decode_header(std::string_view header, raft::SnapshotMetadata& m, std::uint64_t& data_length) {
  Decoder dec(header.substr(kFixedHeaderBytes));
  std::uint32_t n = 0;
  dec.get_u64(m.index);
  dec.get_u64(m.term);
  dec.get_u32(n);
  if (!dec.ok() || n > dec.remaining() / 8) return Status::corruption("snapshot header: bad voter count");
  m.conf_state.voters.resize(n);
  for (auto& v : m.conf_state.voters) dec.get_u64(v);
  dec.get_u64(data_length);
  if (!dec.done()) return Status::corruption("snapshot header: bad length");
  return Status::ok();
}

}  // namespace coord::snap
