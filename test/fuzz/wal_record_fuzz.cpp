// Fuzz target: a WAL segment file's bytes (server/wal/wal_reader.hpp scan_segment) and every
// record decoder (server/wal/wal_format.hpp). Checks: the scan's offsets stay inside the input
// (give or take the last record's padding),
// a clean end is followed only by zeros, and every decoded record encodes back to a segment
// that scans and decodes to the same value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/wal/wal_format.hpp"
#include "server/wal/wal_reader.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace coord;

namespace {

// The one record of a segment made of `bytes` alone.
wal::RawRecord only_record(const std::string& bytes) {
  wal::SegmentScan scan = wal::scan_segment(bytes);
  FUZZ_CHECK(scan.end == wal::SegmentEnd::kClean);
  FUZZ_CHECK(scan.records.size() == 1);
  FUZZ_CHECK(scan.end_offset == bytes.size());
  return scan.records[0];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const wal::SegmentScan scan = wal::scan_segment(bytes);
  // A last record whose alignment padding is cut off by the end of the file still counts (its
  // bytes and CRC are whole): the end then lies up to 7 bytes past the input, in the padding.
  FUZZ_CHECK(scan.end_offset <= size + wal::kRecordAlignment - 1);
  if (scan.end == wal::SegmentEnd::kClean)
    for (std::size_t i = std::min<std::size_t>(scan.end_offset, size); i < size; ++i) FUZZ_CHECK(data[i] == 0);
  else
    FUZZ_CHECK(!scan.problem.empty());
  for (const wal::RawRecord& r : scan.records) {
    FUZZ_CHECK(r.offset < scan.end_offset);
    FUZZ_CHECK(r.payload.data() >= bytes.data() && r.payload.data() + r.payload.size() <= bytes.data() + size);
    switch (r.type) {
      case wal::RecordType::kSegmentHeader: {
        wal::SegmentHeader h;
        if (wal::decode_segment_header(r.payload, h).is_ok()) {
          std::string again;
          wal::append_record(again, wal::RecordType::kSegmentHeader, wal::encode_segment_header(h));
          wal::SegmentHeader back;
          FUZZ_CHECK(wal::decode_segment_header(only_record(again).payload, back).is_ok());
          FUZZ_CHECK(back.version == h.version && back.seq == h.seq && back.first_index == h.first_index);
        }
        break;
      }
      case wal::RecordType::kEntry: {
        raft::Entry e;
        if (wal::decode_entry(r.payload, e).is_ok()) {
          std::string again;
          wal::append_entry_record(again, e);
          raft::Entry back;
          FUZZ_CHECK(wal::decode_entry(only_record(again).payload, back).is_ok());
          FUZZ_CHECK(back == e);
        }
        break;
      }
      case wal::RecordType::kHardState: {
        raft::HardState hs;
        if (wal::decode_hard_state(r.payload, hs).is_ok()) {
          raft::HardState back;
          FUZZ_CHECK(wal::decode_hard_state(wal::encode_hard_state(hs), back).is_ok());
          FUZZ_CHECK(back == hs);
        }
        break;
      }
      case wal::RecordType::kSnapshotMarker: {
        raft::SnapshotMetadata m;
        if (wal::decode_snapshot_marker(r.payload, m).is_ok()) {
          raft::SnapshotMetadata back;
          FUZZ_CHECK(wal::decode_snapshot_marker(wal::encode_snapshot_marker(m), back).is_ok());
          FUZZ_CHECK(back.index == m.index && back.term == m.term && back.conf_state.voters == m.conf_state.voters);
        }
        break;
      }
      default:
        break;
    }
  }
  return 0;
}
