#include "server/wal/wal_format.hpp"

#include <cstdio>

#include "server/common/coding.hpp"
#include "server/common/hex.hpp"
#include "server/common/crc32c.hpp"

namespace coord::wal {

namespace {

constexpr std::uint32_t kCrcMaskDelta = 0xa282ead8u;

void put_u32_at(std::string& out, std::size_t pos, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[pos + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Writes the length/crc words and padding around a payload already appended after a
// placeholder header starting at `start`.
void finish_record(std::string& out, std::size_t start) {
  const std::size_t body = start + kRecordHeaderBytes;
  const auto length = static_cast<std::uint32_t>(out.size() - body);
  put_u32_at(out, start, length);
  put_u32_at(out, start + 4, mask_crc(crc32c::extend(0, out.data() + body, length)));
  out.resize(start + framed_size(length), '\0');
}

}  // namespace

std::string segment_name(std::uint64_t seq, std::uint64_t first_index) {
  return hex_pair_name(seq, first_index, ".wal");
}

std::optional<SegmentName> parse_segment_name(std::string_view name) {
  SegmentName out;
  if (!parse_hex_pair_name(name, ".wal", out.seq, out.first_index)) return std::nullopt;
  return out;
}

std::uint32_t mask_crc(std::uint32_t crc) {
  // Rotate and add a constant (as LevelDB does): the CRC of bytes that embed CRCs stays strong.
  return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta;
}

std::uint64_t framed_size(std::uint32_t length) {
  const std::uint64_t raw = kRecordHeaderBytes + static_cast<std::uint64_t>(length);
  return (raw + kRecordAlignment - 1) / kRecordAlignment * kRecordAlignment;
}

void append_record(std::string& out, RecordType type, std::string_view payload) {
  const std::size_t start = out.size();
  out.append(kRecordHeaderBytes, '\0');
  out.push_back(static_cast<char>(type));
  out.append(payload.data(), payload.size());
  finish_record(out, start);
}

void append_entry_record(std::string& out, const raft::Entry& e) {
  const std::size_t start = out.size();
  out.append(kRecordHeaderBytes, '\0');
  Encoder enc(out);
  enc.put_u8(static_cast<std::uint8_t>(RecordType::kEntry));
  enc.put_u64(e.term);
  enc.put_u64(e.index);
  enc.put_u8(static_cast<std::uint8_t>(e.type));
  enc.put_raw(e.data);
  finish_record(out, start);
}

std::string encode_segment_header(const SegmentHeader& h) {
  std::string out;
  Encoder enc(out);
  enc.put_raw(kSegmentMagic);
  enc.put_u32(h.version);
  enc.put_u64(h.seq);
  enc.put_u64(h.first_index);
  return out;
}

std::string encode_hard_state(const raft::HardState& hs) {
  std::string out;
  Encoder enc(out);
  enc.put_u64(hs.term);
  enc.put_u64(hs.vote);
  enc.put_u64(hs.commit);
  return out;
}

std::string encode_snapshot_marker(const raft::SnapshotMetadata& m) {
  std::string out;
  Encoder enc(out);
  enc.put_u64(m.index);
  enc.put_u64(m.term);
  enc.put_varint(m.conf_state.voters.size());
  for (auto v : m.conf_state.voters) enc.put_u64(v);
  return out;
}

Status decode_segment_header(std::string_view payload, SegmentHeader& h) {
  Decoder dec(payload);
  std::string_view magic;
  if (!dec.get_raw(kSegmentMagic.size(), magic) || magic != kSegmentMagic)
    return Status::corruption("segment header: bad magic");
  dec.get_u32(h.version);
  dec.get_u64(h.seq);
  dec.get_u64(h.first_index);
  if (!dec.done()) return Status::corruption("segment header: bad length");
  if (h.version != kFormatVersion)
    return Status::corruption("segment header: unsupported format version " + std::to_string(h.version));
  return Status::ok();
}

Status decode_entry(std::string_view payload, raft::Entry& e) {
  Decoder dec(payload);
  std::uint8_t type = 0;
  dec.get_u64(e.term);
  dec.get_u64(e.index);
  dec.get_u8(type);
  std::string_view data;
  dec.get_raw(dec.remaining(), data);
  if (!dec.done()) return Status::corruption("entry record: too short");
  if (type > static_cast<std::uint8_t>(raft::EntryType::kConfChange))
    return Status::corruption("entry record: unknown entry type " + std::to_string(type));
  e.type = static_cast<raft::EntryType>(type);
  e.data.assign(data.data(), data.size());
  return Status::ok();
}

Status decode_hard_state(std::string_view payload, raft::HardState& hs) {
  Decoder dec(payload);
  dec.get_u64(hs.term);
  dec.get_u64(hs.vote);
  dec.get_u64(hs.commit);
  if (!dec.done()) return Status::corruption("hard state record: bad length");
  return Status::ok();
}

Status decode_snapshot_marker(std::string_view payload, raft::SnapshotMetadata& m) {
  Decoder dec(payload);
  std::uint64_t n = 0;
  dec.get_u64(m.index);
  dec.get_u64(m.term);
  dec.get_count(n, 8);
  m.conf_state.voters.resize(dec.ok() ? n : 0);
  for (auto& v : m.conf_state.voters) dec.get_u64(v);
  if (!dec.done()) return Status::corruption("snapshot marker record: bad length");
  return Status::ok();
}

}  // namespace coord::wal
