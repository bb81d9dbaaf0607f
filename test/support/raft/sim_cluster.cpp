#include "test/support/raft/sim_cluster.hpp"

#include <algorithm>
#include <sstream>

#include "server/common/coding.hpp"
#include "server/raft/codec.hpp"
#include "server/raft/message_check.hpp"

namespace coord::raft::test {

namespace {

constexpr std::uint64_t kNoLimitBytes = ~std::uint64_t{0};

[[noreturn]] void violation(const std::string& what) { throw InvariantViolation(what); }

std::uint64_t data_hash(const Entry& e) {
  std::uint64_t h = 1469598103934665603ull ^ static_cast<std::uint64_t>(e.type);
  for (char c : e.data.view()) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

std::string encode_state(std::uint64_t applied, std::uint64_t hash) {
  std::string out;
  Encoder enc(out);
  enc.put_u64(applied);
  enc.put_u64(hash);
  return out;
}

std::pair<std::uint64_t, std::uint64_t> decode_state(const std::string& s) {
  Decoder dec(s);
  std::uint64_t applied = 0, hash = 0;
  if (!dec.get_u64(applied) || !dec.get_u64(hash)) violation("bad snapshot data in simulation");
  return {applied, hash};
}

}  // namespace

std::uint64_t chain_hash(std::uint64_t h, const Entry& e) {
  return (h * 31 + data_hash(e)) ^ (e.index << 1);
}

// ------------------------------------------------------------------ invariants

void InvariantChecker::on_persist(NodeId node, const Entry& e, std::uint64_t prev_term) {
  auto key = std::make_pair(e.index, e.term);
  auto val = std::make_pair(data_hash(e), prev_term);
  auto [it, inserted] = seen_.emplace(key, val);
  if (!inserted && it->second != val) {
    std::ostringstream os;
    os << "log matching violated: node " << node << " has entry (" << e.index << ", term "
       << e.term << ") differing from another node's (data or previous term)";
    violation(os.str());
  }
}

void InvariantChecker::on_hard_state(NodeId node, const HardState& hs) {
  auto& last = last_commit_[node];
  if (hs.commit < last) {
    violation("commit index decreased on node " + std::to_string(node) + ": " +
              std::to_string(last) + " -> " + std::to_string(hs.commit));
  }
  last = hs.commit;
}

void InvariantChecker::on_leader(NodeId node, std::uint64_t term, const MemoryStorage& log) {
  auto [it, inserted] = leader_of_term_.emplace(term, node);
  if (!inserted && it->second != node) {
    violation("two leaders in term " + std::to_string(term) + ": " + std::to_string(it->second) +
              " and " + std::to_string(node));
  }
  // Leader Completeness: every entry committed in an earlier term is in the new leader's log.
  for (auto c = commit_term_.lower_bound(log.first_index()); c != commit_term_.end(); ++c) {
    if (c->second >= term) continue;
    auto t = log.term(c->first);
    if (!t.is_ok() || *t != committed_.at(c->first).first) {
      violation("leader completeness violated: leader " + std::to_string(node) + " of term " +
                std::to_string(term) + " lacks committed entry " + std::to_string(c->first));
    }
  }
}

void InvariantChecker::on_leader_commit(NodeId node, std::uint64_t term, std::uint64_t commit,
                                        const MemoryStorage& log) {
  for (std::uint64_t i = std::max(recorded_upto_ + 1, log.first_index()); i <= commit; ++i) {
    auto ents = log.entries(i, i + 1, kNoLimitBytes);
    if (!ents.is_ok()) {
      violation("leader " + std::to_string(node) + " committed index " + std::to_string(i) +
                " it does not hold");
    }
    const Entry& e = ents->front();
    auto val = std::make_pair(e.term, data_hash(e));
    auto [it, inserted] = committed_.emplace(i, val);
    if (!inserted && it->second != val) {
      violation("committed entry " + std::to_string(i) + " changed (leader " +
                std::to_string(node) + " of term " + std::to_string(term) + ")");
    }
    commit_term_.emplace(i, term);
    max_committed_ = std::max(max_committed_, i);
  }
  recorded_upto_ = std::max(recorded_upto_, commit);
}

void InvariantChecker::on_apply(NodeId node, const Entry& e, std::uint64_t hash) {
  auto val = std::make_pair(e.term, data_hash(e));
  auto [it, inserted] = committed_.emplace(e.index, val);
  if (!inserted && it->second != val) {
    violation("committed entry " + std::to_string(e.index) + " changed (applied by node " +
              std::to_string(node) + " with term " + std::to_string(e.term) + ")");
  }
  max_committed_ = std::max(max_committed_, e.index);
  auto [h, fresh] = state_hash_.emplace(e.index, hash);
  if (!fresh && h->second != hash) {
    violation("state machine safety violated: node " + std::to_string(node) +
              " applied a different history up to index " + std::to_string(e.index));
  }
}

void InvariantChecker::on_snapshot(NodeId node, std::uint64_t index, std::uint64_t hash) {
  auto [h, fresh] = state_hash_.emplace(index, hash);
  if (!fresh && h->second != hash) {
    violation("snapshot installed on node " + std::to_string(node) +
              " disagrees with applied history at index " + std::to_string(index));
  }
}

// ------------------------------------------------------------------ cluster

SimCluster::SimCluster(ClusterOptions options) : opts_(options), net_rng_(options.seed * 7919 + 1) {
  std::vector<NodeId> voters;
  for (int i = 1; i <= opts_.size; ++i) voters.push_back(static_cast<NodeId>(i));
  for (NodeId id : voters) {
    SimNode& n = nodes_[id];
    n.id = id;
    n.storage = std::make_unique<MemoryStorage>();
    start(n, true, voters);
  }
}

void SimCluster::start(SimNode& n, bool bootstrap, const std::vector<NodeId>& voters) {
  Config cfg;
  cfg.id = n.id;
  cfg.election_tick = opts_.election_tick;
  cfg.heartbeat_tick = opts_.heartbeat_tick;
  cfg.max_size_per_msg = opts_.max_size_per_msg;
  cfg.max_inflight_msgs = opts_.max_inflight_msgs;
  cfg.pre_vote = opts_.pre_vote;
  cfg.check_quorum = opts_.check_quorum;
  cfg.seed = opts_.seed * 1000003 + n.id * 101 + restarts_++;
  cfg.storage = n.storage.get();
  // Recover the state machine from the latest snapshot, as a restarting server does.
  Snapshot snap = n.storage->snapshot().value();
  n.applied = 0;
  n.hash = 0;
  n.conf = snap.metadata.conf_state;
  if (!snap.empty()) std::tie(n.applied, n.hash) = decode_state(snap.data);
  cfg.applied = n.applied;
  n.raw = std::make_unique<RawNode>(cfg);
  if (bootstrap) {
    Status s = n.raw->bootstrap(voters);
    if (!s.is_ok()) violation("bootstrap failed: " + s.to_string());
  }
  process(n.id);
}

SimNode& SimCluster::node(NodeId id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) violation("no node " + std::to_string(id));
  return it->second;
}

RawNode& SimCluster::raw(NodeId id) {
  SimNode& n = node(id);
  if (!n.raw) violation("node " + std::to_string(id) + " is crashed");
  return *n.raw;
}

bool SimCluster::alive(NodeId id) const {
  auto it = nodes_.find(id);
  return it != nodes_.end() && it->second.raw != nullptr;
}

std::vector<NodeId> SimCluster::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

Status SimCluster::inject(NodeId id, const Message& m) {
  Status s = raw(id).step(m);
  process(id);
  return s;
}

void SimCluster::tick(NodeId id) {
  if (!alive(id)) return;
  raw(id).tick();
  process(id);
}

void SimCluster::tick_all() {
  for (auto& [id, n] : nodes_) tick(id);
}

Status SimCluster::propose(NodeId id, std::string data) {
  Status s = raw(id).propose(std::move(data));
  process(id);
  return s;
}

Status SimCluster::propose_conf_change(NodeId id, const ConfChange& cc) {
  Status s = raw(id).propose_conf_change(cc);
  process(id);
  return s;
}

Status SimCluster::read_index(NodeId id, std::string context) {
  // Linearizability: the read must observe everything committed before it was issued.
  read_floor_[context] = checker_.max_committed();
  Status s = raw(id).read_index(std::move(context));
  process(id);
  return s;
}

void SimCluster::campaign(NodeId id) {
  raw(id).campaign();
  process(id);
}

void SimCluster::transfer_leadership(NodeId at, NodeId to) {
  raw(at).transfer_leadership(to);
  process(at);
}

void SimCluster::process(NodeId id) {
  SimNode& n = node(id);
  while (n.raw && n.raw->has_ready()) handle_ready(n, n.raw->ready());
}

// The raft loop's Ready handling, in the order raw_node.hpp prescribes.
void SimCluster::handle_ready(SimNode& n, Ready rd) {
  persist(n, rd);
  for (Message& m : rd.messages) enqueue(std::move(m));
  for (const Entry& e : rd.committed_entries) apply_entry(n, e);
  serve_reads(n, rd.read_states);
  n.raw->advance(rd);
}

void SimCluster::persist(SimNode& n, const Ready& rd) {
  if (!rd.snapshot.empty()) {
    Status s = n.storage->apply_snapshot(rd.snapshot);
    if (!s.is_ok()) violation("apply_snapshot: " + s.to_string());
    std::tie(n.applied, n.hash) = decode_state(rd.snapshot.data);
    n.conf = rd.snapshot.metadata.conf_state;
    if (opts_.check_invariants) checker_.on_snapshot(n.id, n.applied, n.hash);
  }
  if (!rd.entries.empty()) {
    Status s = n.storage->append(rd.entries);
    if (!s.is_ok()) violation("append: " + s.to_string());
    if (opts_.check_invariants) {
      for (const Entry& e : rd.entries) {
        auto prev = n.storage->term(e.index - 1);
        checker_.on_persist(n.id, e, prev.is_ok() ? *prev : 0);
      }
    }
  }
  if (rd.hard_state) {
    n.storage->set_hard_state(*rd.hard_state);
    if (opts_.check_invariants) checker_.on_hard_state(n.id, *rd.hard_state);
  }
  if (opts_.check_invariants) {
    RaftStatus st = n.raw->status();
    if (rd.soft_state && rd.soft_state->role == Role::kLeader) {
      checker_.on_leader(n.id, st.term, *n.storage);
    }
    if (rd.hard_state && st.role == Role::kLeader) {
      checker_.on_leader_commit(n.id, st.term, rd.hard_state->commit, *n.storage);
    }
  }
}

void SimCluster::serve_reads(SimNode& n, std::vector<ReadState>& released) {
  for (ReadState& rs : released) {
    auto floor = read_floor_.find(rs.context);
    if (opts_.check_invariants && floor != read_floor_.end() && rs.index < floor->second) {
      violation("read " + rs.context + " at node " + std::to_string(n.id) + " got read index " +
                std::to_string(rs.index) + " below the commit index " +
                std::to_string(floor->second) + " known when it was issued");
    }
    n.pending_reads.emplace_back(rs.index, std::move(rs.context));
  }
  // Serve reads whose index is applied.
  auto ready_end = std::stable_partition(n.pending_reads.begin(), n.pending_reads.end(),
                                         [&](const auto& r) { return r.first <= n.applied; });
  for (auto it = n.pending_reads.begin(); it != ready_end; ++it) {
    n.read_states.push_back(ReadState{it->first, it->second});
  }
  n.pending_reads.erase(n.pending_reads.begin(), ready_end);
}

void SimCluster::apply_entry(SimNode& n, const Entry& e) {
  if (e.index <= n.applied) return;  // covered by the snapshot we restored
  if (e.index != n.applied + 1) {
    violation("node " + std::to_string(n.id) + " applies index " + std::to_string(e.index) +
              " after " + std::to_string(n.applied));
  }
  if (e.type == EntryType::kConfChange) {
    auto cc = decode_conf_change(e.data);
    if (!cc.is_ok()) violation("bad conf change entry: " + cc.status().to_string());
    n.conf = n.raw->apply_conf_change(*cc);
  } else if (!e.data.empty() && opts_.record_applied) {
    n.applied_data.emplace_back(e.data.view());
  }
  n.applied = e.index;
  n.hash = chain_hash(n.hash, e);
  if (opts_.check_invariants) checker_.on_apply(n.id, e, n.hash);
}

void SimCluster::enqueue(Message m) {
  auto link = std::make_pair(m.from, m.to);
  links_[link].push_back(std::move(m));
  order_.push_back(link);
}

std::size_t SimCluster::in_flight() const {
  std::size_t n = 0;
  for (const auto& [link, q] : links_) n += q.size();
  return n;
}

bool SimCluster::link_up(NodeId from, NodeId to) const {
  return cut_.count({from, to}) == 0;
}

bool SimCluster::deliver_one(std::mt19937_64* rng, bool crash_receiver) {
  while (!order_.empty()) {
    std::size_t k = 0;
    if (rng != nullptr) k = std::uniform_int_distribution<std::size_t>(0, order_.size() - 1)(*rng);
    auto link = order_[k];
    order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(k));
    auto& q = links_[link];
    if (q.empty()) continue;
    Message m = std::move(q.front());
    q.pop_front();
    bool drop = !alive(m.to) || !link_up(m.from, m.to) ||
                (drop_rate_ > 0 && std::uniform_real_distribution<double>(0, 1)(net_rng_) < drop_rate_) ||
                (filter && !filter(m));
    bool is_snap = m.type == MessageType::kSnap;
    NodeId from = m.from, to = m.to;
    if (!drop) {
      ++delivered_;
      if (opts_.wire_codec) {
        auto decoded = decode_message(encode(m));
        if (!decoded.is_ok() || !(*decoded == m)) violation("message does not survive the codec");
        m = std::move(decoded).value();
      }
      // What a correct member sends must pass every check the message alone allows
      // (message_check.hpp): a check that refused it would cost liveness, silently.
      if (auto s = check_network_message(m); !s.is_ok()) violation("a correct member's message refused: " + s.to_string());
      static_cast<void>(raw(m.to).step(m));  // errors for forwarded requests are informational
      if (crash_receiver) {
        crash(m.to);
      } else {
        process(m.to);
      }
    }
    // The transport tells the sender how a snapshot send went, as coordd's does.
    if (is_snap && report_snapshots && alive(from)) {
      raw(from).report_snapshot(to, !drop);
      process(from);
    }
    return true;
  }
  return false;
}

std::size_t SimCluster::deliver_all(std::size_t limit) {
  std::size_t n = 0;
  while (n < limit && deliver_one()) ++n;
  return n;
}

void SimCluster::settle(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    tick_all();
    deliver_all();
  }
}

void SimCluster::cut(NodeId a, NodeId b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void SimCluster::isolate(NodeId id) {
  for (const auto& [other, n] : nodes_) {
    if (other != id) cut(id, other);
  }
}

void SimCluster::partition(const std::vector<std::vector<NodeId>>& groups) {
  heal();
  std::map<NodeId, std::size_t> group_of;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (NodeId id : groups[g]) group_of[id] = g;
  }
  for (const auto& [a, na] : nodes_) {
    for (const auto& [b, nb] : nodes_) {
      if (a == b) continue;
      auto ga = group_of.find(a), gb = group_of.find(b);
      std::size_t x = ga == group_of.end() ? 1000 + a : ga->second;
      std::size_t y = gb == group_of.end() ? 1000 + b : gb->second;
      if (x != y) cut_.insert({a, b});
    }
  }
}

void SimCluster::heal() { cut_.clear(); }

void SimCluster::crash(NodeId id) {
  SimNode& n = node(id);
  n.raw.reset();
  n.pending_reads.clear();
}

void SimCluster::restart(NodeId id) {
  SimNode& n = node(id);
  if (n.raw) return;
  start(n, false, {});
}

void SimCluster::add_empty_node(NodeId id) {
  if (nodes_.count(id) != 0) violation("node " + std::to_string(id) + " already exists");
  SimNode& n = nodes_[id];
  n.id = id;
  n.storage = std::make_unique<MemoryStorage>();
  start(n, false, {});
}

void SimCluster::compact(NodeId id, std::uint64_t keep) {
  SimNode& n = node(id);
  if (!n.raw || n.applied <= keep) return;
  std::uint64_t at = n.applied;
  auto snap = n.storage->create_snapshot(at, n.conf, encode_state(n.applied, n.hash));
  if (!snap.is_ok()) return;  // an equal or newer snapshot exists
  std::uint64_t upto = at - keep;
  if (upto >= n.storage->first_index()) {
    Status s = n.storage->compact(upto);
    if (!s.is_ok()) violation("compact: " + s.to_string());
  }
}

NodeId SimCluster::leader() const {
  NodeId best = kNoNode;
  std::uint64_t best_term = 0;
  for (const auto& [id, n] : nodes_) {
    if (!n.raw) continue;
    RaftStatus st = n.raw->status();
    if (st.role == Role::kLeader && st.term >= best_term) {
      best = id;
      best_term = st.term;
    }
  }
  return best;
}

NodeId SimCluster::wait_for_leader(int max_rounds) {
  for (int i = 0; i < max_rounds; ++i) {
    NodeId l = leader();
    if (l != kNoNode) return l;
    settle(1);
  }
  return leader();
}

}  // namespace coord::raft::test
