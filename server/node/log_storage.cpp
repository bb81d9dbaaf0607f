#include "server/node/log_storage.hpp"

#include <cstdio>
#include <string>

#include "server/common/check.hpp"

namespace coord::node {

Result<raft::Snapshot> LogStorage::snapshot() const {
  auto held = memory_.snapshot();
  if (!held || held->empty()) return held;
  // Invariant: the in-memory log holds snapshot metadata only (DurableLog strips the data).
  COORD_CHECK(held->data.empty(), "the in-memory log holds snapshot data");
  auto loaded = snapshotter_.load_at(held->metadata);
  if (!loaded) {
    std::fprintf(stderr, "coordd: cannot read snapshot %s for a follower: %s\n",
                 std::to_string(held->metadata.index).c_str(), loaded.status().to_string().c_str());
    return raft::err_unavailable();
  }
  return loaded;
}

}  // namespace coord::node
