#include "server/http/raft_status_json.hpp"

#include "server/http/json_writer.hpp"

namespace coord::http {
namespace {

void quoted_hex(std::string& out, std::uint64_t id) {
  out.push_back('"');
  append_hex_id(out, id);
  out.push_back('"');
}

}  // namespace

std::uint64_t follower_lag(std::uint64_t last_index, std::uint64_t match_index) {
  return last_index > match_index ? last_index - match_index : 0;
}

void append_raft_status_json(std::string& out, std::uint64_t id, std::uint64_t leader,
                             const node::ReplicationStatus& replication) {
  out.append("{\"id\":");
  quoted_hex(out, id);
  out.append(",\"leader\":");
  quoted_hex(out, leader);
  out.append(",\"term\":");
  append_uint(out, replication.term);
  out.append(",\"commitIndex\":");
  append_uint(out, replication.commit);
  out.append(",\"lastIndex\":");
  append_uint(out, replication.last_index);
  out.append(",\"followers\":[");
  for (std::size_t i = 0; i < replication.followers.size(); ++i) {
    const node::FollowerProgress& f = replication.followers[i];
    if (i != 0) out.push_back(',');
    out.append("{\"id\":");
    quoted_hex(out, f.id);
    out.append(",\"matchIndex\":");
    append_uint(out, f.match);
    out.append(",\"nextIndex\":");
    append_uint(out, f.next);
    out.append(",\"state\":\"");
    out.append(raft::to_string(f.state));  // lowercase letters only: nothing to escape
    out.append("\",\"lag\":");
    append_uint(out, follower_lag(replication.last_index, f.match));
    out.push_back('}');
  }
  out.append("]}");
}

}  // namespace coord::http
