#include "server/raft/message_check.hpp"

#include <algorithm>
#include <string>

namespace coord::raft {

namespace {

Status refuse(const Message& m, const char* why) {
  return Status::invalid_argument(std::string("raft: ") + to_string(m.type) + " refused: " + why);
}

Status check_append(const Message& m) {
  if (m.log_term > m.term) return refuse(m, "log term after the message's term");
  // Only the empty log's position 0 has term 0; RaftLog::term() also answers 0 past the last
  // index, so a term 0 anywhere else would "match" entries a follower does not have.
  if ((m.index == 0) != (m.log_term == 0)) return refuse(m, "log term 0 at an index other than 0");
  std::uint64_t prev_term = std::max<std::uint64_t>(m.log_term, 1);
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const Entry& e = m.entries[i];
    // Written as a subtraction so that an index near 2^64 cannot wrap around.
    if (e.index <= m.index || e.index - m.index != i + 1) return refuse(m, "entry index does not follow");
    if (e.term < prev_term || e.term > m.term) return refuse(m, "entry term out of order");
    prev_term = e.term;
  }
  return Status::ok();
}

Status check_proposal(const Message& m) {
  if (m.entries.empty()) return refuse(m, "no entries");
  for (const Entry& e : m.entries)
    if (e.term != 0 || e.index != 0) return refuse(m, "entry with a term or an index");
  return Status::ok();
}

Status check_snapshot(const Message& m) {
  const SnapshotMetadata& md = m.snapshot.metadata;
  if (md.index == 0 || md.term == 0) return refuse(m, "snapshot without index or term");
  if (md.term > m.term) return refuse(m, "snapshot term after the message's term");
  const auto& voters = md.conf_state.voters;
  if (voters.empty()) return refuse(m, "snapshot without voters");
  for (std::size_t i = 0; i < voters.size(); ++i) {
    if (voters[i] == kNoNode) return refuse(m, "snapshot voter 0");
    if (i > 0 && voters[i] <= voters[i - 1]) return refuse(m, "snapshot voters not sorted or repeated");
  }
  return Status::ok();
}

}  // namespace

Status check_network_message(const Message& m) {
  if (is_local_message(m.type)) return refuse(m, "a local message type from the network");
  if (m.from == kNoNode) return refuse(m, "no sender");
  const bool forwarded = m.type == MessageType::kProp || m.type == MessageType::kReadIndex;
  if (forwarded != (m.term == 0)) return refuse(m, forwarded ? "forwarded request with a term" : "term 0");
  const bool carries_entries = m.type == MessageType::kApp || m.type == MessageType::kProp;
  if (!carries_entries && !m.entries.empty()) return refuse(m, "unexpected entries");
  if ((m.type == MessageType::kSnap) == m.snapshot.empty()) return refuse(m, "snapshot missing or unexpected");
  switch (m.type) {
    case MessageType::kVote:
    case MessageType::kPreVote:
      // A candidate's last entry is from its current term at the latest.
      if (m.log_term > m.term) return refuse(m, "last log term after the campaign's term");
      return Status::ok();
    case MessageType::kApp: return check_append(m);
    case MessageType::kProp: return check_proposal(m);
    case MessageType::kSnap: return check_snapshot(m);
    default: return Status::ok();
  }
}

}  // namespace coord::raft
