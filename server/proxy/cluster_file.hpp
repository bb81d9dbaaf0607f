// The proxy's record of the cluster it serves: <data-dir>/proxy/cluster, etcd's own file and
// format, so a proxy restarts (and knows whom to ask) with the cluster down:
//
//   {"PeerURLs":["http://10.0.0.1:2380","http://10.0.0.2:2380"]}
//
// Written to cluster.bak, fdatasync'ed, then renamed over cluster: a crash leaves the old file
// or the new one, never a torn one. Free functions without shared state; call from one thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/common/status.hpp"

namespace coord::proxy {

// The file's path under `data_dir` (the proxy/ directory is made by write_cluster_file).
std::string cluster_file_path(const std::string& data_dir);

// The peer URLs recorded under `data_dir`; nullopt when there is no file yet. A file that does
// not parse is an error (the caller refuses to start, as etcd does).
Result<std::optional<std::vector<std::string>>> read_cluster_file(const std::string& data_dir);

// Records `peer_urls` under `data_dir` durably (see above).
Status write_cluster_file(const std::string& data_dir, const std::vector<std::string>& peer_urls);

}  // namespace coord::proxy
