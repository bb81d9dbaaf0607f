// Fetching a running cluster's membership from its peer URLs (GET <peer>/members), which a
// member started with --initial-cluster-state existing needs before its first start: the
// cluster id and its own member id (assigned when it was added through the members API).
// Blocking; call from main before the member starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "server/common/status.hpp"
#include "server/store/member.hpp"
#include "server/tls/context_source.hpp"

namespace coord::transport {

struct ClusterInfo {
  std::uint64_t cluster_id = 0;
  std::vector<store::Member> members;
};

// Tries each URL in turn until one answers; an error names the last failure. https URLs are
// asked over TLS with a context from `tls` (null: they fail).
Result<ClusterInfo> fetch_cluster(const std::vector<std::string>& peer_urls, std::chrono::milliseconds timeout,
                                  tls::ContextSource* tls = nullptr);

}  // namespace coord::transport
