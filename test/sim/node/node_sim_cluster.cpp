#include "test/sim/node/node_sim_cluster.hpp"

#include <algorithm>

#include "server/node/durable_log.hpp"
#include "server/node/peer_payload_check.hpp"
#include "server/snap/snap_format.hpp"
#include "server/snap/snapshot_file_receiver.hpp"

namespace coord::node::sim {
namespace {

constexpr auto kTick = std::chrono::milliseconds(10);

// What the event checks compare: the action, the key and the value.
std::string describe(const store::Event& e) {
  std::string d = e.action;
  d += ' ';
  d += e.node.key;
  d += '=';
  d += e.node.value.value_or("<none>");
  return d;
}

std::string key_path(int key) {
  std::string path = "/k";
  path += std::to_string(key);
  return path;
}

}  // namespace

// One member: its disk, its core while it runs, what the network and its clients have put into its
// next round, and the snapshot writer's signal.
struct NodeSimCluster::Member final : NodeCore::Signals, MessageSender {
  Member(NodeSimCluster& cluster, NodeOptions options) : cluster(cluster), options(std::move(options)) {}

  void snapshot_written() override {  // on the snapshot writer thread
    {
      std::lock_guard lock(mu);
      written = true;
    }
    cv.notify_all();
  }
  void notify() override {}  // nobody waits: the driver looks after every round
  void send(std::vector<raft::Message> messages) override { cluster.send(options.member_id, std::move(messages)); }
  void set_peers(const std::vector<store::Member>&, std::uint64_t) override {}
  // Every other member counts as connected for long: the reconfiguration checks pass, and what a
  // conf change does to a cluster with members down is what the simulation is after.
  std::vector<PeerActivity> peer_activity() const override {
    std::vector<PeerActivity> out;
    for (auto id : cluster.ids())
      if (id != options.member_id) out.push_back(PeerActivity{id, std::chrono::steady_clock::time_point(kTick)});
    return out;
  }

  // Declared before core, so destroyed after it: the snapshot writer thread that core's
  // destructor joins signals through mu and cv, and writes to fs.
  NodeSimCluster& cluster;
  NodeOptions options;
  MemFileSystem fs;
  std::mutex mu;
  std::condition_variable cv;
  bool written = false;              // guarded by mu: the snapshot writer ended a write
  std::unique_ptr<NodeCore> core;    // null while crashed
  NodeCore::Inbox inbox;
};

NodeSimCluster::NodeSimCluster(NodeSimOptions options) : options_(options), rng_(options.seed) {
  std::vector<MemberSpec> initial;
  for (int i = 1; i <= options_.size; ++i)
    initial.push_back(MemberSpec{static_cast<std::uint64_t>(i), "m" + std::to_string(i), {"http://m" + std::to_string(i)}});
  for (const auto& spec : initial) {
    NodeOptions o;
    o.member_id = spec.id;
    o.cluster_id = 0xc0;
    o.name = spec.name;
    o.data_dir = "/data";
    o.client_urls = {"http://c" + std::to_string(spec.id)};
    o.initial_members = initial;
    o.snapshot_count = options_.snapshot_count;
    o.snapshot_catch_up_entries = 10;
    o.max_snapshots = 2;
    o.max_wals = 2;
    o.wal_segment_bytes = 16 << 10;  // small segments: cuts and releases happen
    o.tick_interval = kTick;
    o.election_ticks = 10;
    o.request_timeout = std::chrono::seconds(2);
    o.seed = options_.seed;
    o.log = false;  // thousands of snapshots and removals per run; the checks say what matters
    auto m = std::make_unique<Member>(*this, std::move(o));
    m->fs.set_late_data_syncs(options_.late_syncing_disk);
    start(*m);
    members_.emplace(spec.id, std::move(m));
  }
}

NodeSimCluster::~NodeSimCluster() = default;

std::vector<std::uint64_t> NodeSimCluster::ids() const {
  std::vector<std::uint64_t> out;
  for (const auto& [id, m] : members_) out.push_back(id);
  return out;
}

bool NodeSimCluster::alive(std::uint64_t id) const {
  auto it = members_.find(id);
  return it != members_.end() && it->second->core != nullptr;
}

std::size_t NodeSimCluster::configured_members() const {
  const std::uint64_t at = leader();
  return at != 0 ? members_.at(at)->core->members().size() : members_.size();
}

std::uint64_t NodeSimCluster::leader() const {
  for (const auto& [id, m] : members_)
    if (m->core && m->core->is_leader()) return id;
  return 0;
}

NodeSimCluster::Member& NodeSimCluster::member(std::uint64_t id) { return *members_.at(id); }

void NodeSimCluster::start(Member& m) {
  m.core = std::make_unique<NodeCore>(m.options, m.fs, clock_, m);
  {
    std::lock_guard lock(m.mu);
    m.written = false;
  }
  if (auto s = m.core->open(&m); !s.is_ok())
    throw SimViolation("member " + std::to_string(m.options.member_id) + " does not open its data: " + s.to_string());
  const std::uint64_t id = m.options.member_id;
  auto watch = m.core->watch("/", true, true, 0, [this, id](const store::EventPtr& e) {
    on_event(id, *e);
    return true;
  });
  if (!watch.ok()) throw SimViolation("member " + std::to_string(id) + " refuses a watch on /");
}

void NodeSimCluster::run_round(std::uint64_t id) {
  Member& m = member(id);
  if (!m.core) return;
  NodeCore::Inbox in;
  std::swap(in, m.inbox);
  {
    std::lock_guard lock(m.mu);
    in.snapshot_written = std::exchange(m.written, false);
  }
  const bool ok = m.core->run_round(in);
  // The snapshot file is written while the driver waits: its end is then part of the next round
  // of this member, at the same point in every run of the seed.
  if (ok && m.core->snapshot_in_flight()) {
    std::unique_lock lock(m.mu);
    m.cv.wait(lock, [&] { return m.written; });
  }
  if (!ok && removed_.insert(id).second) {
    // A member stops by itself only when it applies its own removal; anything else is a bug.
    if (m.core->failure().find("permanently removed") == std::string::npos)
      fail_check("member " + std::to_string(id) + " failed: " + m.core->failure(), false);
    removals_.push_back(id);
  }
  after_round(m);
}

void NodeSimCluster::after_round(Member& m) {
  if (!violation_.empty()) {
    if (violation_is_safety_) throw SafetyViolation(violation_);
    throw SimViolation(violation_);
  }
  if (m.core) check_store(m);
  // Membership changes the round applied: the cluster around the members follows. A member added
  // to the configuration is started once the leader has applied the change, whether or not the one
  // who asked heard the answer (it may have crashed or timed out meanwhile). Only the leader's list:
  // a lagging member may still list one that was removed since.
  if (m.core && m.core->is_leader())
    for (const auto& listed : m.core->members())
      if (members_.count(listed.id) == 0 && removed_.count(listed.id) == 0 &&
          std::none_of(joins_.begin(), joins_.end(), [&](const store::Member& j) { return j.id == listed.id; }))
        joins_.push_back(listed);
  for (auto& joined : std::exchange(joins_, {})) {
    NodeOptions o = members_.begin()->second->options;
    o.member_id = joined.id;
    o.name = "m" + std::to_string(joined.id);
    o.client_urls = {"http://c" + std::to_string(joined.id)};
    o.new_cluster = false;
    o.initial_members.clear();
    for (const auto& existing : m.core ? m.core->members() : std::vector<store::Member>{})
      o.initial_members.push_back(MemberSpec{existing.id, existing.name, existing.peer_urls});
    auto fresh = std::make_unique<Member>(*this, std::move(o));
    fresh->fs.set_late_data_syncs(options_.late_syncing_disk);
    start(*fresh);
    members_.emplace(joined.id, std::move(fresh));
  }
  for (auto id : std::exchange(removals_, {})) {
    // As the transport tells a removed member: it stops serving and leaves.
    auto it = members_.find(id);
    if (it == members_.end()) continue;
    if (it->second->core) {
      NodeCore::Inbox left;
      std::swap(left, it->second->inbox);
      it->second->core->stop(left);
    }
    members_.erase(it);
  }
}

void NodeSimCluster::advance(std::chrono::milliseconds d) {
  clock_.advance(d);
  for (auto id : ids()) run_round(id);
}

// ------------------------------------------------------------------ clients

void NodeSimCluster::put(std::uint64_t at, int key) {
  Member& m = member(at);
  if (!m.core) return;
  apply::Request r;
  r.method = apply::Method::kPut;
  r.path = key_path(key);
  r.value = "v" + std::to_string(++next_value_);
  r.time = clock_.now();
  std::string value = r.value;
  m.inbox.proposals.emplace_back(std::move(r), [this, key, value](WriteResult w) {
    if (!w.response.ok()) return;  // timed out or stopped: the write may or may not happen
    const auto& node = w.response.event().node;
    if (node.value != value) {
      fail_check("write of " + value + " answered with another value", true);
      return;
    }
    acked_[key][w.raft.index] = AckedWrite{value, node.modified_index};
    const std::string event = describe(w.response.event());
    acked_event_[node.modified_index] = event;
    if (auto seen = event_at_.find(node.modified_index); seen != event_at_.end() && seen->second != event)
      fail_check("write " + event + " acknowledged at etcd index " + std::to_string(node.modified_index) +
                     " where the stores hold " + seen->second,
                 true);
    acked_floor_ = std::max(acked_floor_, w.raft.index);
    ++stats_.acked_writes;
    // The store the writer saw answered must be the one every member has at that index.
    auto it = view_at_.find(w.raft.index);
    if (it != view_at_.end() && it->second.keys[key] != std::make_pair(value, node.modified_index))
      fail_check("write of " + value + " acknowledged at index " + std::to_string(w.raft.index) +
                     " but the store there holds another value",
                 true);
  });
}

void NodeSimCluster::read(std::uint64_t at, int key) {
  Member& m = member(at);
  if (!m.core) return;
  // What the read must see: every write acknowledged and every read completed before it was asked.
  const std::uint64_t must_see = std::max(acked_floor_, read_floor_);
  m.inbox.reads.push_back([this, at, key, must_see](Status s) {
    if (!s.is_ok()) return;
    Member& reader = member(at);
    const std::uint64_t applied = reader.core->read([](const store::Store&, RaftPosition p) { return p.index; });
    if (applied < must_see) {
      fail_check("read of " + key_path(key) + " on member " + std::to_string(at) + " released at applied index " +
                     std::to_string(applied) + ", before " + std::to_string(must_see) + " (stale read)",
                 true);
      return;
    }
    read_floor_ = std::max(read_floor_, applied);
    ++stats_.reads;
    check_store(reader);  // what it reads is the store every member has at that index
  });
}

// ------------------------------------------------------------------ network

namespace {

// What the transport does for a snapshot: the sender's file of `point`, in pieces, through a
// SnapshotFileReceiver into the receiver's snapshot directory. False when the sender has no
// such file (or the receive fails).
bool copy_snapshot_file(MemFileSystem& from, MemFileSystem& to, const raft::SnapshotMetadata& point) {
  const std::string dir = DurableLog::snapshot_dir("/data");
  auto bytes = from.read_file(join_path(dir, snap::snapshot_name(point.term, point.index)));
  if (!bytes) return false;
  auto receiver = snap::SnapshotFileReceiver::begin(to, dir, point, bytes->size());
  if (!receiver) return false;
  std::string_view rest = *bytes;
  while (!rest.empty()) {
    const std::size_t n = std::min<std::size_t>(rest.size(), 64 * 1024);
    if (!(*receiver)->append(rest.substr(0, n)).is_ok()) return false;
    rest.remove_prefix(n);
  }
  return (*receiver)->finish().is_ok();
}

}  // namespace

void NodeSimCluster::send(std::uint64_t from, std::vector<raft::Message> messages) {
  for (auto& msg : messages) links_[{from, msg.to}].push_back(std::move(msg));
}

bool NodeSimCluster::deliver_one(std::mt19937_64& rng) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> busy;
  for (const auto& [link, queue] : links_)
    if (!queue.empty()) busy.push_back(link);
  if (busy.empty()) return false;
  const auto link = busy[std::uniform_int_distribution<std::size_t>(0, busy.size() - 1)(rng)];
  raft::Message msg = std::move(links_[link].front());
  links_[link].pop_front();
  const auto [from, to] = link;
  bool dropped = cut_.count(link) > 0 || !alive(to) ||
                       std::uniform_real_distribution<double>(0, 1)(rng) < drop_rate_;
  const bool snapshot = msg.type == raft::MessageType::kSnap;
  // As the transport: a snapshot's message carries its metadata only, its file goes first
  // (streamed into the receiver's snapshot directory). A sender that crashed took its send
  // with it; a file the sender no longer has (purged meanwhile) is a failed send.
  if (snapshot && !dropped) dropped = !alive(from) || !copy_snapshot_file(member(from).fs, member(to).fs, msg.snapshot.metadata);
  // The transport reports how a snapshot send ended; a dropped one is a failed one.
  if (snapshot && alive(from)) member(from).inbox.snapshot_reports.emplace_back(to, !dropped);
  if (dropped) {
    ++stats_.dropped;
    return true;
  }
  if (member(to).core->is_removed(from)) {
    // As the transport: a member the receiver knows removed is told so, and stops.
    if (removed_.insert(from).second) removals_.push_back(from);
    after_round(member(to));
    return true;
  }
  ++stats_.delivered;
  stats_.snapshots_sent += snapshot ? 1 : 0;
  // As Node::step: a payload that would not apply never reaches Raft.
  if (!check_peer_payloads(msg).is_ok()) throw SimViolation("a member sent a message whose payload does not apply");
  member(to).inbox.messages.push_back(std::move(msg));
  run_round(to);
  return true;
}

void NodeSimCluster::isolate(std::uint64_t id) {
  for (auto other : ids())
    if (other != id) {
      cut_.insert({id, other});
      cut_.insert({other, id});
    }
}

void NodeSimCluster::partition(const std::vector<std::uint64_t>& side_a, const std::vector<std::uint64_t>& side_b) {
  for (auto a : side_a)
    for (auto b : side_b) {
      cut_.insert({a, b});
      cut_.insert({b, a});
    }
}

// ------------------------------------------------------------------ faults

void NodeSimCluster::crash(std::uint64_t id, CrashLoss loss) {
  Member& m = member(id);
  if (!m.core) return;
  // The disk first: what the process's destructors do on their way out (the WAL syncs as it
  // closes) must not reach it. No stop(): the process is gone; its snapshot writer ends with it.
  if (loss == CrashLoss::kUnsynced) {
    m.fs.drop_unsynced();
  } else {
    m.fs.drop_unsynced_tearing(rng_());
  }
  m.core.reset();
  m.inbox = NodeCore::Inbox{};
  if (conf_change_at_ == id) conf_change_pending_ = false;  // its answer went with it
  ++stats_.crashes;
}

void NodeSimCluster::restart(std::uint64_t id) {
  Member& m = member(id);
  if (m.core) return;
  start(m);
  run_round(id);
}

void NodeSimCluster::add_member(std::uint64_t at) {
  Member& m = member(at);
  if (!m.core || conf_change_pending_) return;
  NodeCore::MemberCallback done = [this](Status s, store::Member) {
    conf_change_pending_ = false;
    if (!s.is_ok()) return;
    ++stats_.conf_changes;  // the member starts once its addition is applied (after_round)
  };
  std::vector<std::string> urls{"http://new" + std::to_string(++next_url_)};
  if (auto request = m.core->prepare_add_member(std::move(urls), done)) {
    conf_change_pending_ = true;
    conf_change_at_ = at;
    m.inbox.conf_changes.push_back(std::move(*request));
  }
}

void NodeSimCluster::remove_member(std::uint64_t at, std::uint64_t id) {
  Member& m = member(at);
  if (!m.core || conf_change_pending_) return;
  NodeCore::MemberCallback done = [this, id](Status s, store::Member) {
    conf_change_pending_ = false;
    if (!s.is_ok()) return;
    ++stats_.conf_changes;
    if (removed_.insert(id).second) removals_.push_back(id);
  };
  if (auto request = m.core->prepare_remove_member(id, done)) {
    conf_change_pending_ = true;
    conf_change_at_ = at;
    m.inbox.conf_changes.push_back(std::move(*request));
  }
}

// ------------------------------------------------------------------ checks

void NodeSimCluster::fail_check(const std::string& what, bool safety) {
  if (!violation_.empty()) return;
  violation_ = what;
  violation_is_safety_ = safety;
}

void NodeSimCluster::on_event(std::uint64_t member, const store::Event& e) {
  const std::string event = describe(e);
  const std::uint64_t index = e.index();
  const std::string who = "member " + std::to_string(member);
  auto [seen, first] = event_at_.emplace(index, event);
  if (!first && seen->second != event)
    fail_check(who + " emitted " + event + " at etcd index " + std::to_string(index) + " where another emitted " +
                   seen->second,
               true);
  if (auto acked = acked_event_.find(index); acked != acked_event_.end() && acked->second != event)
    fail_check(who + " lost the acknowledged write " + acked->second + " at etcd index " + std::to_string(index) +
                   ": it emitted " + event + " there",
               true);
}

std::uint64_t NodeSimCluster::check_store(Member& m) {
  StoreView view;
  std::uint64_t applied = 0;
  m.core->read([&](const store::Store& s, RaftPosition p) {
    applied = p.index;
    view.etcd_index = s.index();
    for (int k = 0; k < options_.keys; ++k) {
      auto got = s.get(key_path(k), false, false, clock_.now());
      if (got.ok()) view.keys.emplace_back(got.value().node.value.value_or(""), got.value().node.modified_index);
      else view.keys.emplace_back("", 0);
    }
    for (const auto& member : s.members()) view.members.push_back(member.id);
    return 0;
  });
  const std::string who = "member " + std::to_string(m.options.member_id);
  // Identical stores at the same applied index.
  auto [it, first] = view_at_.emplace(applied, view);
  if (!first && !(it->second == view))
    fail_check(who + " has another store than its peers at index " + std::to_string(applied), true);
  // No acknowledged write lost: the latest acknowledged write at or before `applied`, per key,
  // is there or overwritten.
  for (const auto& [key, writes] : acked_) {
    auto w = writes.upper_bound(applied);
    if (w == writes.begin()) continue;
    --w;
    const auto& [value, modified] = view.keys[key];
    if (modified < w->second.modified_index || (modified == w->second.modified_index && value != w->second.value))
      fail_check(who + " lost the acknowledged write " + key_path(key) + "=" + w->second.value + " (raft index " +
                 std::to_string(w->first) + ") at applied index " + std::to_string(applied),
                 true);
  }
  return applied;
}

std::uint64_t NodeSimCluster::max_acked_index() const { return acked_floor_; }

void NodeSimCluster::converge() {
  heal();
  drop_rate_ = 0;
  for (auto id : ids()) restart(id);
  std::mt19937_64 rng(options_.seed ^ 0x5eed);
  // Bounded in simulated time (10 s is fifty election timeouts) and in messages per tick (a
  // healthy cluster sends a few per member).
  for (int round = 0; round < 1000; ++round) {
    bool done = true;
    // The members of the leader's configuration must catch up; one outside it (started for an
    // addition that a removal undid before it joined) has nothing to catch up with.
    const std::uint64_t lead = leader();
    std::vector<std::uint64_t> expected;
    if (lead != 0)
      for (const auto& listed : member(lead).core->members())
        if (members_.count(listed.id) != 0) expected.push_back(listed.id);
    for (auto id : expected) {
      const std::uint64_t applied =
          member(id).core->read([](const store::Store&, RaftPosition p) { return p.index; });
      if (applied < max_acked_index()) done = false;
    }
    if (done && leader() != 0) return;
    for (int n = 0; n < 200 && deliver_one(rng); ++n) {
    }
    advance(kTick);
  }
  std::string state;
  for (auto id : ids()) {
    const NodeStatus st = member(id).core->status();
    state += "; member " + std::to_string(id) + ": applied " + std::to_string(st.raft.index) + ", committed " +
             std::to_string(st.proposals_committed) + ", term " + std::to_string(st.raft.term) + ", leader " +
             std::to_string(st.leader) + ", voters";
    for (const auto& m : member(id).core->members()) state += " " + std::to_string(m.id);
  }
  throw SimViolation("after healing, the members did not all apply every acknowledged write (raft index " +
                     std::to_string(max_acked_index()) + ") within 10 s" + state);
}

}  // namespace coord::node::sim
