#include "server/discovery/cluster_record.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace coord::discovery {

namespace {

std::string record_dir(const std::string& data_dir) { return data_dir + "/discovery"; }

Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return Status::ok();
  return Status::io_error("mkdir " + path + ": " + std::strerror(errno));
}

Status sync_dir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("open " + path + ": " + std::strerror(errno));
  const bool synced = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!synced) return Status::io_error("fsync " + path + ": " + std::strerror(saved));
  return Status::ok();
}

}  // namespace

std::string cluster_record_path(const std::string& data_dir) { return record_dir(data_dir) + "/cluster"; }

Result<std::optional<ClusterRecord>> read_cluster_record(const std::string& data_dir) {
  const std::string path = cluster_record_path(data_dir);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<ClusterRecord>{};
    return Status::io_error("read " + path + ": " + std::strerror(errno));
  }
  ClusterRecord r;
  std::string rest;
  if (!std::getline(in, r.initial_cluster) || !std::getline(in, r.token) || r.initial_cluster.empty() ||
      r.token.empty() || std::getline(in, rest))
    return Status::corruption(path + ": not a discovery cluster record");
  return std::optional<ClusterRecord>(std::move(r));
}

Status write_cluster_record(const std::string& data_dir, const ClusterRecord& record) {
  const std::string cluster = record.initial_cluster + "\n" + record.token + "\n";
  COORD_RETURN_IF_ERROR(make_dir(data_dir));
  COORD_RETURN_IF_ERROR(make_dir(record_dir(data_dir)));
  const std::string path = cluster_record_path(data_dir);
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::io_error("open " + temp + ": " + std::strerror(errno));
  const bool written = ::write(fd, cluster.data(), cluster.size()) == static_cast<ssize_t>(cluster.size()) && ::fdatasync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written) return Status::io_error("write " + temp + ": " + std::strerror(saved));
  if (::rename(temp.c_str(), path.c_str()) != 0) return Status::io_error("rename " + temp + ": " + std::strerror(errno));
  return sync_dir(record_dir(data_dir));
}

}  // namespace coord::discovery
