// backup (see backup.hpp).
#include "examples/coordctl/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "examples/coordctl/progress.hpp"
#include "server/common/file_posix.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshotter.hpp"
#include "server/wal/wal.hpp"
#include "server/wal/wal_format.hpp"

namespace fs = std::filesystem;

namespace coord::examples {
namespace {

constexpr int kAttempts = 5;
constexpr int kExitServerError = 4;

struct CopyFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The files of one directory to copy, in order (WAL segments by sequence number; snapshot files
// by name), with their sizes. Temp files and ".broken" copies are not part of the log.
std::vector<std::pair<std::string, std::uintmax_t>> log_files(const std::string& dir, bool wal) {
  std::vector<std::pair<std::string, std::uintmax_t>> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool ours = wal ? wal::parse_segment_name(name).has_value() : snap::parse_snapshot_name(name).has_value();
    std::error_code size_ec;
    const auto size = entry.file_size(size_ec);
    if (ours && !size_ec) out.emplace_back(name, size);
  }
  if (ec) throw CopyFailed("cannot list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end());  // fixed-width hex names: by name is by sequence / by term and index
  return out;
}

void copy_file(const std::string& from, const std::string& to, Progress& progress) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw CopyFailed(from + " disappeared while it was copied");
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + to);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = in.gcount();
    if (n <= 0) break;
    out.write(buf.data(), n);
    progress.add(static_cast<std::uint64_t>(n));
  }
  out.close();
  if (!out) throw std::runtime_error("cannot write " + to);
  // Durable before the copy is declared a backup.
  const int fd = ::open(to.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) throw std::runtime_error("cannot fsync " + to);
}

std::uint64_t le64(const std::string& s, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(s[at + i]);
  return v;
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Opens the copy as coordd would and says what it holds; CopyFailed when it does not open.
std::string verify(PosixFileSystem& posix, const std::string& member_dir) {
  const std::string wal_dir = member_dir + "/wal", snap_dir = member_dir + "/snap";
  auto markers = wal::Wal::snapshot_markers(posix, wal_dir);
  if (!markers) throw CopyFailed(markers.status().to_string());
  snap::Snapshotter snapshotter(posix, snap_dir);
  raft::SnapshotMetadata from;
  if (auto s = snapshotter.load_newest_available(*markers); s) {
    from = s->metadata;
  } else if (s.status().code() != StatusCode::kNotFound) {
    throw CopyFailed(s.status().to_string());
  }
  auto opened = wal::Wal::open(posix, wal_dir, from);
  if (!opened) throw CopyFailed(opened.status().to_string());
  const std::uint64_t last_index = opened->first->last_index();
  const wal::WalContents& contents = opened->second;
  if (auto st = opened->first->close(); !st) throw std::runtime_error(st.to_string());
  // A torn tail cut off in the copy is only where the copy stopped reading: drop its ".broken".
  for (const auto& entry : fs::directory_iterator(wal_dir)) {
    if (entry.path().filename().string().find(".broken") != std::string::npos) fs::remove(entry.path());
  }
  std::string identity;
  if (contents.metadata.size() == 17) {
    identity = "member " + hex(le64(contents.metadata, 1)) + " of cluster " + hex(le64(contents.metadata, 9)) + ": ";
  }
  return identity + "snapshot at index " + std::to_string(from.index) + ", log to index " +
         std::to_string(last_index) + ", committed to " + std::to_string(contents.hard_state.commit);
}

}  // namespace

int run_backup(const CommandLine& cl) {
  const std::string data_dir = cl.get("data-dir"), backup_dir = cl.get("backup-dir");
  if (data_dir.empty() || backup_dir.empty()) throw std::invalid_argument("backup needs --data-dir and --backup-dir");
  PosixFileSystem posix;
  const std::string src = data_dir + "/member";
  if (!wal::Wal::exists(posix, src + "/wal")) throw std::invalid_argument(data_dir + " holds no coordd WAL (member/wal)");
  const std::string target = backup_dir + "/member", staging = backup_dir + "/member.partial";
  if (fs::exists(target)) throw std::invalid_argument(backup_dir + " already holds a backup (member/)");
  const bool made_backup_dir = !fs::exists(backup_dir);
  std::string last_problem;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    fs::remove_all(staging);
    fs::create_directories(staging + "/wal");
    fs::create_directories(staging + "/snap");
    try {
      // WAL first, then the snapshot files: see backup.hpp.
      const auto segments = log_files(src + "/wal", true);
      std::uintmax_t bytes = 0;
      for (const auto& [name, size] : segments) bytes += size;
      Progress progress("backup", "bytes", bytes);
      for (const auto& [name, size] : segments) copy_file(src + "/wal/" + name, staging + "/wal/" + name, progress);
      const auto snapshots = log_files(src + "/snap", false);
      for (const auto& [name, size] : snapshots) progress.set_total(bytes += size);
      for (const auto& [name, size] : snapshots) copy_file(src + "/snap/" + name, staging + "/snap/" + name, progress);
      progress.finish();
      const std::string summary = verify(posix, staging);
      for (const char* sub : {"/wal", "/snap", ""}) {
        if (auto st = posix.sync_dir(staging + sub); !st) throw std::runtime_error(st.to_string());
      }
      fs::rename(staging, target);
      if (auto st = posix.sync_dir(backup_dir); !st) throw std::runtime_error(st.to_string());
      std::cout << "backup of " << data_dir << " in " << backup_dir << ": " << summary << "\n";
      return 0;
    } catch (const CopyFailed& e) {
      // A copy that raced coordd fails differently each time; the same failure twice is the
      // data dir itself (damage, or not coordd's format): no use copying again.
      if (last_problem == e.what()) break;
      last_problem = e.what();
      std::cerr << "backup: attempt " << attempt << " did not give a consistent copy (" << last_problem << ")"
                << (attempt < kAttempts ? "; copying again" : "") << std::endl;
    }
  }
  fs::remove_all(staging);
  if (made_backup_dir) fs::remove(backup_dir);  // only if empty: nothing of anyone else's goes
  std::cerr << "Error:  no consistent copy of " << data_dir << ": " << last_problem << "\n";
  return kExitServerError;
}

}  // namespace coord::examples
