#include "server/node/log_storage.hpp"

#include "server/common/check.hpp"

namespace coord::node {

Result<raft::Snapshot> LogStorage::snapshot() const {
  auto held = memory_.snapshot();
  // Invariant: the in-memory log holds snapshot metadata only (DurableLog strips the data).
  if (held && !held->empty()) COORD_CHECK(held->data.empty(), "the in-memory log holds snapshot data");
  return held;
}

}  // namespace coord::node
