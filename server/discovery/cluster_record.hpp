// The initial cluster a member learned from discovery, kept in its data dir:
// <data-dir>/discovery/cluster, two lines: the --initial-cluster value ("name=peerURL,...") and
// the cluster token (the discovery URL), from which the member ids were derived.
//
// Why: the WAL's bootstrap entries name the first members by id only, and a member takes their
// peer URLs from its initial cluster when it replays them. A member bootstrapped by discovery
// was given no --initial-cluster, so on every restart it reads this record instead (and never
// asks the discovery service again).
//
// Written to cluster.tmp, fdatasync'ed, renamed over cluster, before the member first writes
// its WAL: a crash leaves no record or a whole one. Free functions; call from main's thread.
#pragma once

#include <optional>
#include <string>

#include "server/common/status.hpp"

namespace coord::discovery {

std::string cluster_record_path(const std::string& data_dir);

struct ClusterRecord {
  std::string initial_cluster;  // "name=peerURL,..."
  std::string token;            // the discovery URL
};

// The record; nullopt when there is none (a member not bootstrapped by discovery). An unreadable
// or malformed record is an error.
Result<std::optional<ClusterRecord>> read_cluster_record(const std::string& data_dir);

// Records `record` durably under `data_dir` (made if missing).
Status write_cluster_record(const std::string& data_dir, const ClusterRecord& record);

}  // namespace coord::discovery
