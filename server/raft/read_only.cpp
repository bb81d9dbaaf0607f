#include "server/raft/read_only.hpp"

#include <utility>

#include "server/common/check.hpp"

namespace coord::raft {

void ReadOnly::add_request(std::uint64_t index, NodeId from, std::string context) {
  if (pending_.count(context) != 0) return;
  queue_.push_back(context);
  ReadRequest req{index, from, context};
  pending_.emplace(std::move(context), Pending{std::move(req), {}});
}

std::size_t ReadOnly::recv_ack(NodeId self, NodeId from, const std::string& context) {
  auto it = pending_.find(context);
  if (it == pending_.end()) return 0;
  it->second.acks.insert(self);
  it->second.acks.insert(from);
  return it->second.acks.size();
}

std::vector<ReadRequest> ReadOnly::advance(const std::string& context) {
  std::vector<ReadRequest> out;
  if (pending_.count(context) == 0) return out;
  while (!queue_.empty()) {
    std::string ctx = std::move(queue_.front());
    queue_.pop_front();
    auto it = pending_.find(ctx);
    COORD_CHECK(it != pending_.end(), "read queue and index disagree");
    out.push_back(std::move(it->second.req));
    pending_.erase(it);
    if (ctx == context) break;
  }
  return out;
}

std::string ReadOnly::last_pending_context() const {
  return queue_.empty() ? std::string() : queue_.back();
}

}  // namespace coord::raft
