// Fuzz target: the bytes a peer sends — Raft messages and their parts (server/raft/codec.hpp),
// pipeline batches, stream frames and snapshot stream preambles (server/transport/peer_wire.hpp). Every decoder reads the
// whole input. Checks: whatever decodes encodes back to bytes that decode to the same value, and
// a stream decode never claims more bytes than it was given.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/raft/codec.hpp"
#include "server/transport/peer_wire.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace coord;

namespace {

template <typename T, typename Decode>
void round_trip(std::string_view in, Decode decode) {
  auto first = decode(in);
  if (!first.is_ok()) return;
  auto again = decode(raft::encode(*first));
  FUZZ_CHECK(again.is_ok());
  FUZZ_CHECK(static_cast<const T&>(*again) == static_cast<const T&>(*first));
}

std::vector<std::string> encoded(const std::vector<raft::Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(raft::encode(m));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  round_trip<raft::Message>(in, [](std::string_view b) { return raft::decode_message(b); });
  round_trip<raft::Entry>(in, [](std::string_view b) { return raft::decode_entry(b); });
  round_trip<raft::HardState>(in, [](std::string_view b) { return raft::decode_hard_state(b); });
  round_trip<raft::ConfChange>(in, [](std::string_view b) { return raft::decode_conf_change(b); });
  round_trip<raft::SnapshotMetadata>(in, [](std::string_view b) { return raft::decode_snapshot_metadata(b); });
  round_trip<raft::Snapshot>(in, [](std::string_view b) { return raft::decode_snapshot(b); });

  if (auto batch = transport::decode_batch(in); batch.is_ok()) {
    auto again = transport::decode_batch(transport::encode_batch(encoded(*batch)));
    FUZZ_CHECK(again.is_ok());
    FUZZ_CHECK(*again == *batch);
  }
  if (auto frames = transport::decode_stream_frames(in); frames.is_ok()) {
    FUZZ_CHECK(frames->consumed <= size);
    if (!frames->messages.empty()) {
      std::string reframed;
      transport::append_stream_frame(reframed, encoded(frames->messages));
      auto again = transport::decode_stream_frames(reframed);
      FUZZ_CHECK(again.is_ok());
      FUZZ_CHECK(again->consumed == reframed.size());
      FUZZ_CHECK(again->messages == frames->messages);
    }
  }
  if (auto preamble = transport::decode_snapshot_preamble(in); preamble.is_ok() && preamble->has_value()) {
    const transport::SnapshotPreamble& p = **preamble;
    FUZZ_CHECK(p.consumed <= size);
    FUZZ_CHECK(p.message.type == raft::MessageType::kSnap && p.message.snapshot.data.empty());
    auto again = transport::decode_snapshot_preamble(transport::encode_snapshot_preamble(p.message, p.file_bytes));
    FUZZ_CHECK(again.is_ok() && again->has_value());
    FUZZ_CHECK((*again)->message == p.message && (*again)->file_bytes == p.file_bytes);
  }
  (void)transport::parse_sender_id(in);
  return 0;
}
