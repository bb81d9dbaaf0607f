#include "server/raft/config.hpp"

namespace coord::raft {

Status Config::validate() const {
  if (id == kNoNode) return Status::invalid_argument("raft config: id must not be 0");
  if (heartbeat_tick <= 0) return Status::invalid_argument("raft config: heartbeat_tick must be > 0");
  if (election_tick <= heartbeat_tick) {
    return Status::invalid_argument("raft config: election_tick must exceed heartbeat_tick");
  }
  if (max_inflight_msgs == 0) {
    return Status::invalid_argument("raft config: max_inflight_msgs must be > 0");
  }
  if (storage == nullptr) return Status::invalid_argument("raft config: storage must be set");
  return Status::ok();
}

}  // namespace coord::raft
