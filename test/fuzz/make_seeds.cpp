// Writes the binary seed inputs of the fuzz targets (test/fuzz/corpus/{wal_record,raft_codec,
// snapshot}_fuzz/) with today's encoders. Run by hand after a format change, from the
// repository root:
//   clang++-14 -std=c++20 -I. test/fuzz/make_seeds.cpp bin/fuzz/libcoord_fuzz.a -fsanitize=address,undefined \
//     -lboost_json -lcrypt -lcrypto -o bin/fuzz/make_seeds && bin/fuzz/make_seeds
// (bin/fuzz/libcoord_fuzz.a comes from test/fuzz/run.sh).
#include <fstream>
#include <string>

#include "server/common/coding.hpp"
#include "server/raft/codec.hpp"
#include "server/snap/snap_format.hpp"
#include "server/store/store.hpp"
#include "server/transport/peer_wire.hpp"
#include "server/wal/wal_format.hpp"

using namespace coord;

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

constexpr UnixNanos kNow = 1'700'000'000'000'000'000;

std::string sample_image(bool with_auth) {
  store::Store s;
  s.set("/a/b", false, "value", std::nullopt, kNow);
  s.set("/a/ttl", false, "soon", kNow + 60'000'000'000, kNow);
  s.set("/dir", true, "", std::nullopt, kNow);
  s.add_member(store::Member{0x8e9e05c52164694d, "default", {"http://127.0.0.1:2380"}, {"http://127.0.0.1:2379"}});
  if (with_auth) {
    auth::AuthOp role;
    role.kind = auth::AuthOpKind::kCreateRole;
    role.role.name = "rw";
    role.role.permissions.read = std::vector<std::string>{"/a/*"};
    role.role.permissions.write = std::vector<std::string>{"/a/b"};
    s.apply_auth(role);
    auth::AuthOp user;
    user.kind = auth::AuthOpKind::kCreateOrUpdateUser;
    user.user.name = "root";
    user.user.password_hash = "$2b$10$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01";
    s.apply_auth(user);
  }
  return s.save();
}

raft::Message sample_message() {
  raft::Message m;
  m.type = raft::MessageType::kApp;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.log_term = 3;
  m.index = 10;
  m.commit = 9;
  m.entries.push_back(raft::Entry{3, 11, raft::EntryType::kNormal, "payload"});
  m.context = "ctx";
  return m;
}

}  // namespace

int main() {
  const std::string c = "test/fuzz/corpus/";

  // WAL: a whole segment (header, metadata, hard state, entries, snapshot marker, zero tail).
  std::string seg;
  wal::append_record(seg, wal::RecordType::kSegmentHeader, wal::encode_segment_header({wal::kFormatVersion, 1, 1}));
  wal::append_record(seg, wal::RecordType::kMetadata, "meta");
  wal::append_record(seg, wal::RecordType::kHardState, wal::encode_hard_state({3, 1, 2}));
  wal::append_entry_record(seg, raft::Entry{3, 1, raft::EntryType::kNormal, "put /a"});
  wal::append_entry_record(seg, raft::Entry{3, 2, raft::EntryType::kConfChange, raft::encode(raft::ConfChange{})});
  raft::SnapshotMetadata marker;
  marker.index = 2;
  marker.term = 3;
  marker.conf_state.voters = {1, 2, 3};
  wal::append_record(seg, wal::RecordType::kSnapshotMarker, wal::encode_snapshot_marker(marker));
  write(c + "wal_record_fuzz/segment", seg);
  write(c + "wal_record_fuzz/segment_zero_tail", seg + std::string(64, '\0'));
  write(c + "wal_record_fuzz/torn", seg.substr(0, seg.size() - 5));

  // Raft messages, a pipeline batch and stream frames.
  const raft::Message m = sample_message();
  write(c + "raft_codec_fuzz/message_app", raft::encode(m));
  raft::Message snap;
  snap.type = raft::MessageType::kSnap;
  snap.from = 1;
  snap.to = 3;
  snap.term = 4;
  snap.snapshot.metadata = marker;
  snap.snapshot.data = "image";
  write(c + "raft_codec_fuzz/message_snap", raft::encode(snap));
  write(c + "raft_codec_fuzz/entry", raft::encode(m.entries[0]));
  write(c + "raft_codec_fuzz/hard_state", raft::encode(raft::HardState{3, 1, 2}));
  write(c + "raft_codec_fuzz/snapshot", raft::encode(snap.snapshot));
  write(c + "raft_codec_fuzz/batch", transport::encode_batch({raft::encode(m), raft::encode(raft::Message{})}));
  std::string frames;
  transport::append_stream_frame(frames, {raft::encode(m)});
  transport::append_stream_frame(frames, {raft::encode(snap)});
  write(c + "raft_codec_fuzz/stream_frames", frames);

  // Snapshot files (without their CRC, which snapshot_fuzz appends) and bare store images.
  for (bool with_auth : {false, true}) {
    const std::string image = sample_image(with_auth);
    const std::string name = with_auth ? "with_auth" : "without_auth";
    write(c + "snapshot_fuzz/image_" + name, image);
    raft::SnapshotMetadata md = marker;
    write(c + "snapshot_fuzz/file_" + name, snap::encode_header(md, image.size()) + image);
  }
  std::string v1 = store::Store().save();
  v1[4] = 1;                       // version 1: no auth section
  v1.erase(v1.size() - 3 - 2, 3);  // the empty auth section (flags, 0 users, 0 roles)
  write(c + "snapshot_fuzz/image_v1_empty", v1);
  return 0;
}
