#include "server/http/v2_json.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "server/common/hex.hpp"
#include "server/http/json_writer.hpp"

namespace coord::http {
namespace {

// Writes a field name given as `,"name":`, without its comma when it is the first field of
// the object. One append per field: this is the hot path of every keys answer.
void field(std::string& out, bool& first, std::string_view comma_name) {
  out.append(first ? comma_name.substr(1) : comma_name);
  first = false;
}

void string_array(std::string& out, const std::vector<std::string>& items) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_json_string(out, items[i]);
  }
  out.push_back(']');
}

void member_object(std::string& out, const MemberView& m) {
  out.append("{\"id\":\"");
  append_hex_id(out, m.id);
  out.append("\",\"name\":");
  append_json_string(out, m.name);
  out.append(",\"peerURLs\":");
  string_array(out, m.peer_urls);
  out.append(",\"clientURLs\":");
  string_array(out, m.client_urls);
  out.push_back('}');
}

void quoted_time(std::string& out, UnixNanos t) {
  out.push_back('"');
  append_rfc3339_nano(out, t);
  out.push_back('"');
}

void quoted_hex(std::string& out, std::uint64_t id) {
  out.push_back('"');
  append_hex_id(out, id);
  out.push_back('"');
}

}  // namespace

// ------------------------------------------------------------------ keys

namespace {

// The fields before "nodes"; returns whether none was written yet (`first`). `Node` is
// store::NodeExtern or store::NodeView (the same fields).
template <class Node>
bool append_node_head(std::string& out, const Node& node) {
  out.push_back('{');
  bool first = true;
  if (!node.key.empty()) {
    field(out, first, ",\"key\":");
    append_json_string(out, node.key);
  }
  if (node.value) {
    field(out, first, ",\"value\":");
    append_json_string(out, *node.value);
  }
  if (node.dir) {
    field(out, first, ",\"dir\":");
    out.append("true");
  }
  if (node.expiration) {
    field(out, first, ",\"expiration\":");
    quoted_time(out, *node.expiration);
  }
  if (node.ttl != 0) {
    field(out, first, ",\"ttl\":");
    append_int(out, node.ttl);
  }
  return first;
}

// The fields after "nodes", and the closing brace.
template <class Node>
void append_node_tail(std::string& out, const Node& node, bool first) {
  if (node.modified_index != 0) {
    field(out, first, ",\"modifiedIndex\":");
    append_uint(out, node.modified_index);
  }
  if (node.created_index != 0) {
    field(out, first, ",\"createdIndex\":");
    append_uint(out, node.created_index);
  }
  out.push_back('}');
}

}  // namespace

void append_node_json(std::string& out, const store::NodeExtern& node) {
  // An explicit stack, not recursion: a recursive listing is as deep as the key tree, which
  // may be deeper than the call stack allows. Each frame: a node whose "nodes" array is open,
  // and its next child to write.
  struct Frame {
    const store::NodeExtern* node;
    std::size_t next;
  };
  std::vector<Frame> stack;
  // Writes `n` up to its open "nodes" array (pushing a frame), or whole when it has no children.
  auto open = [&](const store::NodeExtern& n) {
    bool first = append_node_head(out, n);
    if (n.nodes.empty()) return append_node_tail(out, n, first);
    field(out, first, ",\"nodes\":");
    out.push_back('[');
    stack.push_back({&n, 0});
  };
  open(node);
  while (!stack.empty()) {
    Frame& top = stack.back();
    const store::NodeExtern& n = *top.node;
    if (top.next == n.nodes.size()) {
      out.push_back(']');
      stack.pop_back();
      append_node_tail(out, n, false);
      continue;
    }
    if (top.next != 0) out.push_back(',');
    open(n.nodes[top.next++]);  // may push: `top` is not used after this
  }
}

void append_event_json(std::string& out, const store::Event& event) {
  out.append("{\"action\":");
  append_json_string(out, event.action);
  out.append(",\"node\":");
  append_node_json(out, event.node);
  if (event.prev_node) {
    out.append(",\"prevNode\":");
    append_node_json(out, *event.prev_node);
  }
  out.append("}\n");
}

void GetJsonWriter::begin(const store::NodeView& node, std::size_t listed_children) {
  if (frames_.empty()) {
    out_.append("{\"action\":\"get\",\"node\":");
  } else {
    Frame& parent = frames_.back();
    if (parent.written == 1) reserve_for_siblings(parent);
    if (parent.written > 0) out_.push_back(',');
    ++parent.written;
  }
  // Room for a large value and the fields around it in one allocation (reserve grows the
  // capacity at least twofold, so this costs nothing per small node).
  if (node.value) out_.reserve(out_.size() + node.value->size() + kNodeFieldsBytes);
  bool first = append_node_head(out_, node);
  if (listed_children > 0) {
    field(out_, first, ",\"nodes\":");
    out_.push_back('[');
  }
  frames_.push_back(Frame{listed_children, 0, out_.size(), first});
}

void GetJsonWriter::reserve_for_siblings(const Frame& parent) {
  // Siblings are mostly alike (a dir of keys written by one program): room for the rest of
  // them at the first one's size, so that a 20 MB listing is not copied at each doubling of
  // the body. Capped: a large first child does not reserve for siblings that may be small.
  const std::size_t first_bytes = out_.size() - parent.array_start;
  const std::size_t rest = parent.children - 1;
  if (first_bytes == 0 || rest > kMaxSiblingReserveBytes / first_bytes) return;
  const std::size_t want = out_.size() + (first_bytes + 1) * rest + kNodeFieldsBytes;
  if (want - out_.size() <= kMaxSiblingReserveBytes) out_.reserve(want);
}

void GetJsonWriter::end(const store::NodeView& node) {
  const Frame f = frames_.back();
  frames_.pop_back();
  if (f.children > 0) out_.push_back(']');
  append_node_tail(out_, node, f.head_first);
}

void GetJsonWriter::finish() { out_.append("}\n"); }

void append_action_only_json(std::string& out, std::string_view action) {
  out.append("{\"action\":");
  append_json_string(out, action);
  out.append("}\n");
}

void append_error_json(std::string& out, const store::V2Error& error) {
  out.append("{\"errorCode\":");
  append_int(out, error.code);
  out.append(",\"message\":");
  append_json_string(out, error.message());
  if (!error.cause.empty()) {
    out.append(",\"cause\":");
    append_json_string(out, error.cause);
  }
  out.append(",\"index\":");
  append_uint(out, error.index);
  out.append("}\n");
}

// ------------------------------------------------------------------ members, machines

void append_member_json(std::string& out, const MemberView& member) {
  member_object(out, member);
  out.push_back('\n');
}

void append_members_json(std::string& out, const std::vector<MemberView>& members) {
  std::vector<const MemberView*> sorted;
  sorted.reserve(members.size());
  for (const MemberView& m : members) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const MemberView* a, const MemberView* b) { return a->id < b->id; });
  out.append("{\"members\":[");
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i != 0) out.push_back(',');
    member_object(out, *sorted[i]);
  }
  out.append("]}\n");
}

void append_machines_text(std::string& out, const std::vector<MemberView>& members) {
  std::vector<std::string_view> urls;
  for (const MemberView& m : members)
    for (const std::string& u : m.client_urls) urls.push_back(u);
  std::sort(urls.begin(), urls.end());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(urls[i]);
  }
}

void append_message_json(std::string& out, std::string_view message) {
  out.append("{\"message\":");
  append_json_string(out, message);
  out.push_back('}');
}

// ------------------------------------------------------------------ version, health

void append_version_json(std::string& out, std::string_view server_version,
                         std::string_view cluster_version) {
  out.append("{\"etcdserver\":");
  append_json_string(out, server_version);
  out.append(",\"etcdcluster\":");
  append_json_string(out, cluster_version);
  out.push_back('}');
}

void append_health_json(std::string& out, bool healthy) {
  out.append(healthy ? "{\"health\":\"true\"}" : "{\"health\":\"false\"}\n");
}

// ------------------------------------------------------------------ stats

void append_store_stats_json(std::string& out, const store::StoreStats& s) {
  const auto fields = s.fields();
  out.push_back('{');
  bool first = true;
  for (const auto& [name, value] : fields) {
    if (!first) out.append(1, ',');
    first = false;
    out.append(1, '"').append(name).append("\":");
    append_uint(out, value);
  }
  out.push_back('}');
}

void append_self_stats_json(std::string& out, const SelfStatsView& s, UnixNanos now) {
  out.append("{\"name\":");
  append_json_string(out, s.name);
  out.append(",\"id\":");
  quoted_hex(out, s.id);
  out.append(",\"state\":");
  append_json_string(out, s.state);
  out.append(",\"startTime\":");
  quoted_time(out, s.start_time);
  out.append(",\"leaderInfo\":{\"leader\":");
  quoted_hex(out, s.leader_id);
  out.append(",\"uptime\":\"");
  append_go_duration(out, now - s.leader_start_time);
  out.append("\",\"startTime\":");
  quoted_time(out, s.leader_start_time);
  out.append("},\"recvAppendRequestCnt\":");
  append_uint(out, s.recv_append_request_count);
  // Go's omitempty drops zero rates.
  const auto rate = [&](std::string_view name, double v) {
    if (v == 0) return;
    out.append(",\"");
    out.append(name);
    out.append("\":");
    append_json_float(out, v);
  };
  rate("recvPkgRate", s.recv_pkg_rate);
  rate("recvBandwidthRate", s.recv_bandwidth_rate);
  out.append(",\"sendAppendRequestCnt\":");
  append_uint(out, s.send_append_request_count);
  rate("sendPkgRate", s.send_pkg_rate);
  rate("sendBandwidthRate", s.send_bandwidth_rate);
  out.push_back('}');
}

void append_leader_stats_json(std::string& out, std::uint64_t leader_id,
                              const std::vector<node::PeerActivity>& followers) {
  std::vector<std::pair<std::string, const node::PeerActivity*>> keyed;
  keyed.reserve(followers.size());
  for (const node::PeerActivity& f : followers) keyed.emplace_back(to_hex(f.id), &f);
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.append("{\"leader\":");
  quoted_hex(out, leader_id);
  out.append(",\"followers\":{");
  for (std::size_t i = 0; i < keyed.size(); ++i) {
    const node::PeerActivity& f = *keyed[i].second;
    double average = 0, stddev = 0;
    if (f.success > 0) {
      const double n = static_cast<double>(f.success);
      average = f.latency_sum / n;
      const double variance = f.latency_sq_sum / n - average * average;
      stddev = variance > 0 ? std::sqrt(variance) : 0;
    }
    if (i != 0) out.push_back(',');
    append_json_string(out, keyed[i].first);
    out.append(":{\"latency\":{\"current\":");
    append_json_float(out, f.latency_current);
    out.append(",\"average\":");
    append_json_float(out, average);
    out.append(",\"standardDeviation\":");
    append_json_float(out, stddev);
    out.append(",\"minimum\":");
    append_json_float(out, f.latency_min);
    out.append(",\"maximum\":");
    append_json_float(out, f.latency_max);
    out.append("},\"counts\":{\"fail\":");
    append_uint(out, f.fail);
    out.append(",\"success\":");
    append_uint(out, f.success);
    out.append("}}");
  }
  out.append("}}");
}

}  // namespace coord::http
