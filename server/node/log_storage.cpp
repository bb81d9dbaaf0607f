#include "server/node/log_storage.hpp"

#include <cstdio>
#include <string>

#include "server/common/log.hpp"
#include "server/common/check.hpp"

namespace coord::node {

Result<raft::Snapshot> LogStorage::snapshot() const {
  auto held = memory_.snapshot();
  if (!held || held->empty()) return held;
  // Invariant: the in-memory log holds snapshot metadata only (DurableLog strips the data).
  COORD_CHECK(held->data.empty(), "the in-memory log holds snapshot data");
  auto loaded = snapshotter_.load_at(held->metadata);
  if (!loaded) {
    COORD_LOG_ERROR("cannot read snapshot " + std::to_string(held->metadata.index) + " for a follower: " +
                    loaded.status().to_string());
    return raft::err_unavailable();
  }
  return loaded;
}

}  // namespace coord::node
