// Fuzz target: a snapshot file (server/snap: header, data, CRC) and the store image inside it
// (server/store/store.hpp Store::recover, versions 1 and 2). The input is the file without its
// trailing CRC; the target appends the right CRC32C and names the file after the term and index
// its header claims, so the fuzzer gets past those checks to the decoders behind them.
// Checks: a snapshot that loads has the header's term and index, and a SnapshotFileReceiver
// given the same file in pieces takes it (and one it refuses leaves no file); an image that recovers leaves
// a store whose invariants hold and whose own image recovers to the same image.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/common/coding.hpp"
#include "server/common/crc32c.hpp"
#include "server/common/file_mem.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshot_file_receiver.hpp"
#include "server/snap/snapshotter.hpp"
#include "server/store/store.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace coord;

namespace {

void recover_image(std::string_view image) {
  store::Store s;
  if (!s.recover(image).is_ok()) return;
  FUZZ_CHECK(s.check_invariants().is_ok());
  const std::string saved = s.save();
  store::Store again;
  FUZZ_CHECK(again.recover(saved).is_ok());
  FUZZ_CHECK(again.save() == saved);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  recover_image(in);

  // The same bytes as a snapshot file.
  std::uint64_t term = 1, index = 1;
  if (size >= snap::kFixedHeaderBytes) {
    auto header_length = snap::decode_header_length(in.substr(0, snap::kFixedHeaderBytes));
    raft::SnapshotMetadata m;
    std::uint64_t data_length = 0;
    if (header_length.is_ok() && *header_length <= size &&
        snap::decode_header(in.substr(0, *header_length), m, data_length).is_ok()) {
      term = m.term;
      index = m.index;
    }
  }
  std::string file(in);
  std::string crc;
  Encoder(crc).put_u32(crc32c::extend(0, in.data(), in.size()));
  file += crc;
  MemFileSystem fs;
  FUZZ_CHECK(fs.mkdirs("/snap").is_ok());
  fs.put_file("/snap/" + snap::snapshot_name(term, index), file);
  snap::Snapshotter snapshotter(fs, "/snap");
  auto loaded = snapshotter.load();
  // The same file streamed from a leader, in pieces, for the point its header names: the
  // receiver takes it exactly when a load does, and leaves nothing behind when it does not.
  {
    MemFileSystem received;
    raft::SnapshotMetadata point;
    point.term = term;
    point.index = index;
    if (loaded.is_ok()) point.conf_state = loaded->metadata.conf_state;
    bool taken = false;
    if (auto r = snap::SnapshotFileReceiver::begin(received, "/in", point, file.size()); r.is_ok()) {
      std::string_view rest = file;
      bool ok = true;
      while (ok && !rest.empty()) {
        const std::size_t n = std::min<std::size_t>(rest.size(), 7 + rest.size() / 3);
        ok = (*r)->append(rest.substr(0, n)).is_ok();
        rest.remove_prefix(n);
      }
      taken = ok && (*r)->finish().is_ok();
    }
    if (loaded.is_ok() && index != 0) FUZZ_CHECK(taken);
    if (!taken) {
      auto left = received.list_dir("/in");
      FUZZ_CHECK(!left.is_ok() || left->empty());
    }
  }
  if (!loaded.is_ok()) return 0;
  FUZZ_CHECK(loaded->metadata.term == term && loaded->metadata.index == index);
  recover_image(loaded->data);
  return 0;
}
