// NodeCore: the body of a round (node_core.hpp): the inbox into Raft, the tick, each Ready
// persisted, sent, applied and answered, local snapshots. Sibling of node_core_membership.cpp.
#include "server/node/node_core.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <iterator>
#include <type_traits>

#include "server/apply/request_codec.hpp"
#include "server/common/coding.hpp"
#include "server/common/hex.hpp"
#include "server/common/log.hpp"
#include "server/common/version.hpp"
#include "server/node/durable_log.hpp"
#include "server/node/member_codec.hpp"
#include "server/node/peer_payload_check.hpp"
#include "server/node/standalone_restart.hpp"
#include "server/raft/codec.hpp"

namespace coord::node {
namespace {

store::V2Error timeout_error() { return store::V2Error{store::kEcodeRaftInternal, "etcdserver: request timed out", 0}; }
store::V2Error stopped_error() { return store::V2Error{store::kEcodeRaftInternal, "etcdserver: server stopped", 0}; }

std::string encode_read_context(std::uint64_t id) {
  std::string s;
  Encoder(s).put_u64(id);
  return s;
}

std::uint64_t decode_read_context(const std::string& s) {
  std::uint64_t id = 0;
  Decoder(s).get_u64(id);
  return id;
}

// The first id of this run, laid out as etcd's (idutil): the low 16 bits of the member id, then
// the wall clock's milliseconds (40 bits) and 8 bits of count. The clock keeps ids from repeating
// across restarts (a replayed entry of a previous run never matches a waiter of this one); the
// member id keeps two members that start in the same instant from proposing the same ids (a
// waiter taken by a peer's entry would answer a client with another client's result).
std::uint64_t first_request_id(std::uint64_t member_id, UnixNanos now) {
  const auto millis = static_cast<std::uint64_t>(now / 1'000'000);
  return (member_id << 48) | ((millis & ((std::uint64_t{1} << 40) - 1)) << 8);
}

}  // namespace

NodeCore::NodeCore(NodeOptions options, FileSystem& fs, const Clock& clock, Signals& signals)
    : options_(std::move(options)),
      fs_(fs),
      clock_(clock),
      signals_(signals),
      start_time_(clock.now()),
      next_request_id_(first_request_id(options_.member_id, clock.now())),
      // Known before open() reads the data dir: the peer port answers with it from the start.
      cluster_id_(options_.cluster_id) {
  // Watch sinks run after the store lock is released (apply_and_answer), never under it.
  store_.defer_fan_out(true);
}

NodeCore::~NodeCore() = default;

Status NodeCore::open(MessageSender* sender) {
  sender_ = sender;
  DurableLogOptions log_options;
  log_options.max_snapshots = options_.max_snapshots;
  log_options.max_wals = options_.max_wals;
  log_options.wal_segment_bytes = options_.wal_segment_bytes;
  log_options.catch_up_bytes = options_.snapshot_catch_up_bytes;
  log_options.wal_fsync_durations = &wal_fsync_durations_;
  log_options.wal_written_bytes = &metrics_.wal_written_bytes;
  log_options.snap_timings = {&metrics_.snap_marshalling, &metrics_.snap_fsync, &metrics_.snap_save_total};
  // The snapshot writer's completion is inbox work like any other: the shell puts it into the
  // next round's inbox, and that round records the snapshot (finish_snapshot).
  log_options.on_snapshot_written = [this] { signals_.snapshot_written(); };
  log_options.capture = options_.snapshot_capture;
  log_options.log = options_.log;
  auto log = DurableLog::open(fs_, options_.data_dir, options_.member_id, options_.cluster_id, log_options);
  if (!log) return log.status();
  log_ = std::move(*log);
  cluster_id_ = log_->cluster_id();
  if (options_.force_new_cluster && !log_->is_new()) COORD_RETURN_IF_ERROR(force_standalone());

  const raft::Snapshot& snap = log_->recovered_snapshot();
  if (!snap.empty()) {
    const auto started = clock_.steady_now();
    {
      // The peer port already serves (a joining member's GET /members, stream heads asking
      // whether a sender was removed): its readers take the shared lock.
      std::unique_lock lock(store_mu_);
      COORD_RETURN_IF_ERROR(store_.recover(log_->recovered_data()));
      position_ = {snap.metadata.index, snap.metadata.term};
    }
    applied_index_ = snapshot_index_ = snap.metadata.index;
    snapshot_bytes_ = log_->recovered_data().size();
    if (options_.log)
      COORD_LOG_INFO("recovered store from snapshot", {"snapshot-index", snapshot_index_},
                     {"snapshot-size-bytes", snapshot_bytes_}, log::duration("took", clock_.steady_now() - started));
    log_->release_recovered_data();  // the tree holds the state now: unmapped
  }
  applier_ = std::make_unique<apply::Applier>(store_);

  raft::Config rc;
  rc.id = options_.member_id;
  rc.election_tick = options_.election_ticks;
  rc.heartbeat_tick = 1;
  rc.applied = applied_index_;
  rc.storage = &log_->storage();
  rc.seed = options_.seed ^ options_.member_id ^ static_cast<std::uint64_t>(clock_.now());
  COORD_RETURN_IF_ERROR(rc.validate());
  raft_ = std::make_unique<raft::RawNode>(rc);
  // A member of a new cluster that crashed after creating its WAL but before its bootstrap entries
  // were durable finds a WAL with nothing in it: it has promised nothing (no entry, no term, no
  // vote), so it bootstraps as a new member would. Without this it would wait forever, a member of
  // no configuration.
  const raft::RaftStatus recovered = raft_->status();
  const bool blank = log_->memory().last_index() == 0 && recovered.term == 0 && recovered.conf_state.voters.empty() &&
                     log_->recovered_snapshot().empty();
  if (options_.new_cluster && (log_->is_new() || blank)) {
    std::vector<raft::NodeId> voters;
    for (const auto& m : options_.initial_members) voters.push_back(m.id);
    COORD_RETURN_IF_ERROR(raft_->bootstrap(voters));
  }
  // A lone voter need not wait an election timeout to lead itself.
  if (options_.initial_members.size() == 1 || raft_->status().conf_state.voters.size() == 1) raft_->campaign();

  update_peers();
  const auto now = clock_.steady_now();
  next_tick_ = now + options_.tick_interval;
  next_sync_ = now + options_.sync_interval;
  return Status::ok();
}

Status NodeCore::force_standalone() {
  std::vector<std::string> self_peer_urls;
  for (const auto& spec : options_.initial_members)
    if (spec.id == options_.member_id || spec.name == options_.name) self_peer_urls = spec.peer_urls;
  auto forced = restart_as_standalone(*log_, options_.member_id, self_peer_urls);
  if (!forced) return forced.status();
  std::string removed;
  for (std::uint64_t id : forced->removed) removed += (removed.empty() ? "" : ",") + to_hex(id);
  if (options_.log)
    COORD_LOG_WARN("forcing restart of the member as its cluster's only voter", log::id("local-member-id", options_.member_id),
                   log::id("cluster-id", cluster_id_.load()), {"commit-index", forced->commit},
                   {"discarded-uncommitted-entries", forced->dropped}, {"removed-member-ids", removed.empty() ? "none" : removed},
                   {"added-itself", forced->added_self});
  return Status::ok();
}

void NodeCore::stop(Inbox& left) {
  // A snapshot write in flight is finished and recorded (a graceful stop; the next start replays
  // less WAL) unless the disk already failed; then the writer goes: its completion signal must
  // not outlive the shell.
  if (log_) {
    if (!failed_.load()) {
      auto recorded = log_->wait_and_finish_snapshot(options_.snapshot_catch_up_entries);
      if (!recorded.is_ok() && options_.log)
        COORD_LOG_WARN("snapshot in flight at stop not recorded", {"error", recorded.status().to_string()});
    }
    log_->stop_snapshot_writer();
  }
  for (auto& cb : write_waiters_.take_all()) cb(WriteResult{apply::Response{stopped_error()}, {}});
  for (auto& cb : read_waiters_.take_all()) cb(Status::unavailable("etcdserver: server stopped"));
  for (auto& cb : member_waiters_.take_all()) cb(Status::unavailable("etcdserver: server stopped"), {});
  for (auto& [req, cb] : left.proposals) cb(WriteResult{apply::Response{stopped_error()}, {}});
  for (auto& cb : left.reads) cb(Status::unavailable("etcdserver: server stopped"));
  for (auto& cc : left.conf_changes) cc.done(Status::unavailable("etcdserver: server stopped"), {});
  left = Inbox{};
  run_after_answers();  // the answers those callbacks handed on
  signals_.notify();
}

std::string NodeCore::failure() const {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

store::V2Result<store::WatchStart> NodeCore::watch(std::string_view key, bool recursive, bool stream,
                                               std::uint64_t since_index, store::WatchSink sink) {
  watch_requests_.fetch_add(1, std::memory_order_relaxed);
  std::unique_lock lock(store_mu_);
  return store_.watch(key, recursive, stream, since_index, std::move(sink));
}

void NodeCore::unwatch(store::WatchId id) {
  std::unique_lock lock(store_mu_);
  store_.unwatch(id);
}

void NodeCore::count_auth_lookup() {
  std::shared_lock lock(store_mu_);
  store_.count_get_failure();
}

NodeStatus NodeCore::status() const {
  NodeStatus s;
  s.id = options_.member_id;
  s.cluster_id = cluster_id_.load();
  s.name = options_.name;
  s.leader = leader_.load();
  s.is_leader = is_leader_.load();
  s.start_time = start_time_;
  s.leader_since = leader_since_.load();
  {
    std::shared_lock lock(store_mu_);
    s.raft = position_;
  }
  s.recv_append_requests = recv_append_.load();
  s.send_append_requests = send_append_.load();
  s.leader_changes_seen = leader_changes_.load();
  s.proposals_committed = committed_index_.load();
  s.proposals_applied = s.raft.index;
  s.proposals_pending = pending_proposals_.load();
  s.proposals_failed = failed_proposals_.load();
  s.watch_requests = watch_requests_.load();
  return s;
}

std::vector<store::Member> NodeCore::members() const {
  std::shared_lock lock(store_mu_);
  return store_.members();
}

std::set<std::uint64_t> NodeCore::known_member_ids() const {
  std::set<std::uint64_t> ids;
  {
    std::shared_lock lock(store_mu_);
    for (const auto& m : store_.members()) ids.insert(m.id);
  }
  // As update_peers(): before the log names the members, the flags' initial cluster does.
  if (ids.empty())
    for (const auto& spec : options_.initial_members) ids.insert(spec.id);
  return ids;
}

bool NodeCore::run_round(Inbox& inbox) {
  if (failed_.load()) return false;
  // Everything that arrived while the last batch was being fsync'ed goes into one Ready:
  // this is the group commit.
  drain_inbox(inbox);
  if (clock_.steady_now() >= next_tick_) on_tick();
  while (!failed_.load() && raft_->has_ready()) handle_ready(raft_->ready());
  // Raft took none of these snapshots (stale, or a newer one came first): a whole tree each,
  // freed off the loop.
  for (auto& unused : decoded_snapshots_) log_->dispose(std::move(unused.state));
  decoded_snapshots_.clear();
  run_after_answers();  // what callbacks outside a Ready queued (timeouts, refusals)
  if (!failed_.load()) maybe_copy_replication();
  pending_proposals_.store(write_waiters_.size(), std::memory_order_relaxed);
  return !failed_.load();
}

void NodeCore::drain_inbox(Inbox& inbox) {
  if (inbox.snapshot_written) finish_snapshot();
  for (auto& decoded : inbox.decoded_snapshots) decoded_snapshots_.push_back(std::move(decoded));
  for (auto& m : inbox.messages) {
    // Stale messages and forwarded requests this member cannot serve come back ok or
    // unavailable: routine. A refusal means a message no correct member sends.
    Status s = raft_->step(m);
    if (s.code() == StatusCode::kInvalidArgument) log_refused(m, s);
  }
  for (auto peer : inbox.unreachable) raft_->report_unreachable(peer);
  for (auto [peer, ok] : inbox.snapshot_reports) raft_->report_snapshot(peer, ok);
  const auto deadline = clock_.steady_now() + options_.request_timeout;
  for (auto& cc : inbox.conf_changes) propose_conf_change(std::move(cc), deadline);
  if (inbox.transfer_leadership) start_leadership_transfer();
  for (auto& [request, done] : inbox.proposals) request_with_callback(std::move(request), std::move(done));
  if (!inbox.reads.empty()) {
    // One ReadIndex round for every read that arrived together (README.md: batched).
    const std::uint64_t batch = next_request_id_.fetch_add(1);
    for (auto& done : inbox.reads) {
      const std::uint64_t id = next_request_id_.fetch_add(1);
      read_waiters_.add(id, std::move(done), deadline);
      read_batches_[batch].push_back(id);
    }
    if (!raft_->read_index(encode_read_context(batch)).is_ok()) {
      NodeMetrics::bump(metrics_.read_indexes_failed);
      unsent_reads_.push_back(batch);
    }
  }
}

void NodeCore::log_refused(const raft::Message& m, const Status& why) {
  ++refused_messages_;
  const auto now = clock_.steady_now();
  // Whoever floods the peer port with bad messages must not flood the log as well.
  if (now - refused_logged_ < std::chrono::seconds(1)) return;
  if (options_.log)
    COORD_LOG_WARN("refused peer message(s)", {"count", refused_messages_}, log::id("last-from", m.from),
                   {"error", why.to_string()});
  refused_messages_ = 0;
  refused_logged_ = now;
}

void NodeCore::on_tick() {
  const auto now = clock_.steady_now();
  while (next_tick_ <= now) next_tick_ += options_.tick_interval;
  raft_->tick();
  retry_unsent();
  expire_waiters();
  if (is_leader_.load() && now >= next_sync_) {
    next_sync_ = now + options_.sync_interval;
    // Expiry is decided here, by the leader's clock, and applied by every member at the same
    // log index (README.md); the store itself never reads a clock.
    if (store_.has_ttl_keys()) {
      apply::Request sync;
      sync.method = apply::Method::kSync;
      sync.time = clock_.now();
      propose_internal(std::move(sync));
    }
  }
  if (!published_ && !publish_in_flight_ && leader_.load() != 0) {
    apply::Request publish;
    publish.method = apply::Method::kMemberPublish;
    publish.member_id = options_.member_id;
    publish.name = options_.name;
    publish.client_urls = options_.client_urls;
    publish_in_flight_ = true;
    request_with_callback(std::move(publish), [this](WriteResult r) {
      publish_in_flight_ = false;
      if (!r.response.ok()) return;
      published_ = true;
      ready_ = true;
      signals_.notify();
    });
  }
}

void NodeCore::retry_unsent() {
  if (leader_.load() == 0) return;
  std::vector<PendingProposal> still;
  for (auto& p : unsent_) {
    const Status s = p.conf_change ? raft_->propose_conf_change(*p.conf_change) : raft_->propose(p.data);
    if (!s.is_ok()) still.push_back(std::move(p));
  }
  unsent_ = std::move(still);
  std::vector<std::uint64_t> reads;
  for (auto batch : unsent_reads_)
    if (!raft_->read_index(encode_read_context(batch)).is_ok()) {
      NodeMetrics::bump(metrics_.read_indexes_failed);
      reads.push_back(batch);
    }
  unsent_reads_ = std::move(reads);
}

void NodeCore::expire_waiters() {
  const auto now = clock_.steady_now();
  for (auto& cb : write_waiters_.take_expired(now)) {
    failed_proposals_.fetch_add(1, std::memory_order_relaxed);
    cb(WriteResult{apply::Response{timeout_error()}, {}});
  }
  for (auto& cb : read_waiters_.take_expired(now)) {
    NodeMetrics::bump(metrics_.slow_read_indexes);
    cb(Status::timeout("etcdserver: request timed out"));
  }
  for (auto& cb : member_waiters_.take_expired(now)) cb(Status::timeout("etcdserver: request timed out"), {});
  std::erase_if(unsent_, [&](const PendingProposal& p) { return p.deadline <= now; });
}

void NodeCore::propose_internal(apply::Request request) {
  request_with_callback(std::move(request), [](WriteResult) {});
}

void NodeCore::request_with_callback(apply::Request request, WriteCallback done) {
  request.id = next_request_id_.fetch_add(1);
  std::string data = apply::encode(request);
  const auto deadline = clock_.steady_now() + options_.request_timeout;
  write_waiters_.add(request.id, std::move(done), deadline);
  if (!raft_->propose(data).is_ok()) unsent_.push_back(PendingProposal{std::move(data), std::nullopt, request.id, deadline});
}

void NodeCore::handle_ready(raft::Ready rd) {
  const raft::NodeId leader_before = leader_.load();
  if (rd.soft_state) on_soft_state(*rd.soft_state);
  const bool leader = is_leader_.load();
  // A leader may send appends before its own fsync (README.md); everyone else promises
  // persisted state in its messages, so it sends only after the write below is durable.
  if (leader) send(std::move(rd.messages));
  // Committed entries this member made durable in an earlier Ready are durable on a majority
  // already: they are applied, and their writers answered, before this Ready's write. A leader
  // thus answers batch N while batch N+1 is being written instead of after it. Entries of this
  // Ready (a single member commits its own at once) wait for the write below.
  std::span<const raft::Entry> committed(rd.committed_entries);
  if (rd.snapshot.empty()) {
    std::size_t durable = 0;
    while (durable < committed.size() && committed[durable].index <= durable_index_) ++durable;
    if (durable > 0) {
      apply_and_answer(committed.first(durable));
      committed = committed.subspan(durable);
      // Keys answers and watch events are only queued by the callbacks (RaftHandoff): hand
      // them to the io threads now, or they would wait for the write below after all.
      run_after_answers();
    }
  }
  if (!rd.snapshot.empty()) {
    metrics_.snapshot_applying.store(1, std::memory_order_relaxed);
    const auto started = clock_.steady_now();
    if (auto s = log_->save_received_snapshot(rd.snapshot); !s.is_ok()) return fail(s);
    if (auto s = install_received_snapshot(rd.snapshot); !s.is_ok()) return fail(s);
    log_bytes_since_snapshot_ = 0;
    durable_index_ = std::max(durable_index_, rd.snapshot.metadata.index);
    metrics_.snapshot_applying.store(0, std::memory_order_relaxed);
    if (options_.log)
      COORD_LOG_INFO("applied snapshot from the leader", {"snapshot-index", snapshot_index_},
                     {"snapshot-size-bytes", snapshot_bytes_}, log::duration("took", clock_.steady_now() - started));
  }
  if (rd.hard_state || !rd.entries.empty()) {
    if (auto s = log_->save(rd.hard_state, rd.entries, rd.must_sync); !s.is_ok()) return fail(s);
    // Entries are written with a sync (raft asks for one whenever there are entries). A
    // follower's new entries may replace a tail it had: only up to the last one written is
    // known durable now.
    if (!rd.entries.empty() && rd.must_sync) durable_index_ = rd.entries.back().index;
  }
  if (rd.hard_state) {
    committed_index_.store(rd.hard_state->commit, std::memory_order_relaxed);
    std::unique_lock lock(store_mu_);
    position_.term = rd.hard_state->term;
  }
  if (options_.log && (rd.soft_state || rd.hard_state)) log_election(leader_before, rd.soft_state);
  if (!leader) send(std::move(rd.messages));

  for (auto& rs : rd.read_states) {
    auto it = read_batches_.find(decode_read_context(rs.context));
    if (it == read_batches_.end()) continue;
    reads_awaiting_apply_.emplace(rs.index, std::move(it->second));
    read_batches_.erase(it);
  }
  // The rest of the committed entries: durable now, after the write above.
  apply_and_answer(committed);
  raft_->advance(rd);
  if (membership_applied_) campaign_if_alone();
  release_reads();
  // Watchers are told after the writers: with thousands of watchers the write that caused the
  // event is not held up by their fan-out.
  run_after_answers();
  maybe_snapshot();
}

void NodeCore::log_member_change(raft::ConfChangeType type, const store::Member& member) const {
  std::string urls;
  for (const auto& u : member.peer_urls) urls += (urls.empty() ? "" : ",") + u;
  const char* what = type == raft::ConfChangeType::kAddNode      ? "added member"
                     : type == raft::ConfChangeType::kRemoveNode ? "removed member"
                                                                 : "updated member";
  COORD_LOG_INFO(what, log::id("cluster-id", cluster_id_.load()), log::id("local-member-id", options_.member_id),
                 log::id("member-id", member.id), {"peer-urls", urls});
}

void NodeCore::log_election(raft::NodeId leader_before, const std::optional<raft::SoftState>& soft_state) {
  const std::uint64_t term = position_.term;  // written by this (the raft) thread only
  const raft::Role role = soft_state ? soft_state->role : logged_role_;
  const raft::Role was = logged_role_;
  logged_role_ = role;
  const bool new_term = term > logged_term_;
  logged_term_ = std::max(logged_term_, term);
  const raft::NodeId leader = leader_.load();
  // Most Readies only move the commit index: nothing to log, and nothing formatted.
  if (role == was && !new_term && leader == leader_before) return;
  const auto self = log::id("local-member-id", options_.member_id);
  if (role == raft::Role::kCandidate && (was != raft::Role::kCandidate || new_term))
    COORD_LOG_INFO("starting a new election", self, {"term", term});
  else if (role == raft::Role::kPreCandidate && was != raft::Role::kPreCandidate)
    COORD_LOG_INFO("starting a pre-vote election", self, {"term", term});
  if (role == raft::Role::kLeader && was != raft::Role::kLeader) COORD_LOG_INFO("won election: became leader", self, {"term", term});
  if ((was == raft::Role::kCandidate || was == raft::Role::kPreCandidate) && role == raft::Role::kFollower)
    COORD_LOG_INFO("lost election: became follower", self, {"term", term});
  if (was == raft::Role::kLeader && role != raft::Role::kLeader) COORD_LOG_INFO("stepped down as leader", self, {"term", term});
  if (leader == leader_before) return;
  if (leader == 0)
    COORD_LOG_INFO("lost leader", self, log::id("lost-leader-id", leader_before), {"term", term});
  else if (leader_before == 0)
    COORD_LOG_INFO("elected leader", self, log::id("leader-id", leader), {"term", term});
  else
    COORD_LOG_INFO("changed leader", self, log::id("leader-id", leader), log::id("previous-leader-id", leader_before), {"term", term});
}

bool NodeCore::snapshot_in_flight() const { return log_ != nullptr && log_->snapshot_in_flight(); }

void NodeCore::run_after_answers() {
  std::vector<std::function<void()>> fns;
  std::swap(fns, after_answers_);
  for (auto& fn : fns) fn();
}

void NodeCore::apply_and_answer(std::span<const raft::Entry> entries) {
  if (entries.empty()) return;
  // Taken, not borrowed: an answer callback that somehow led here again would find it empty.
  std::vector<std::pair<WriteCallback, WriteResult>> answers = std::move(answers_room_);
  answers.clear();
  std::vector<std::pair<MemberCallback, store::Member>> member_answers;
  store::FanOut fan_out;
  const auto apply_started = clock_.steady_now();
  apply_committed(entries, answers, member_answers, fan_out);
  // The sinks only queue (coordd's, KeysHandler::watch, sends what they queued after the
  // writers' answers), so running them before the answer callbacks delays no client. They
  // count as part of the apply, as etcd's v2 watcher notifications do.
  run_fan_out(std::move(fan_out));
  if (const auto took = clock_.steady_now() - apply_started; took > NodeMetrics::kSlowApply) {
    NodeMetrics::bump(metrics_.slow_applies);
    if (options_.log)
      COORD_LOG_WARN("apply entries took too long", log::duration("took", took),
                     log::duration("expected-duration", NodeMetrics::kSlowApply), {"entries", entries.size()},
                     {"first-index", entries.front().index}, {"last-index", entries.back().index});
  }
  // Answers go out after the entries are durable and applied, outside the store lock.
  for (auto& [cb, result] : answers) cb(std::move(result));
  for (auto& [cb, member] : member_answers) cb(Status::ok(), std::move(member));
  answers.clear();
  if (answers.capacity() <= Inbox::kKeptCapacity) answers_room_ = std::move(answers);
}

Status NodeCore::install_received_snapshot(const raft::Snapshot& snapshot) {
  const raft::SnapshotMetadata& point = snapshot.metadata;
  auto decoded = std::find_if(decoded_snapshots_.begin(), decoded_snapshots_.end(), [&](const DecodedSnapshot& d) {
    return d.point.index == point.index && d.point.term == point.term;
  });
  std::optional<store::DecodedState> state;
  std::uint64_t bytes = 0;
  if (decoded != decoded_snapshots_.end()) {
    state = std::move(decoded->state);
    bytes = decoded->data_bytes;
    decoded_snapshots_.erase(decoded);
  } else {
    // Not decoded before (a snapshot with data, from tests and simulations, or one whose
    // decoded state did not come along): from the data, or from its file, mapped, so that no
    // copy of the whole image is held next to the state being built.
    std::optional<snap::SnapshotImage> image;
    std::string_view data = snapshot.data;
    if (data.empty()) {
      auto mapped = log_->snapshot_image(point);
      if (!mapped) return mapped.status();
      image = std::move(*mapped);
      data = image->data();
    }
    auto fresh = store::Store::decode(data);
    if (!fresh) return fresh.status();
    state = std::move(*fresh);
    bytes = data.size();
  }
  store::DecodedState replaced;
  {
    std::unique_lock lock(store_mu_);
    replaced = store_.install(std::move(*state));
    applied_index_ = snapshot_index_ = point.index;
    position_.index = applied_index_;
  }
  snapshot_bytes_ = bytes;
  log_->dispose(std::move(replaced));  // the old tree, freed off the loop
  return Status::ok();
}

void NodeCore::Inbox::clear_for_reuse() {
  const auto reuse = [](auto& v) {
    v.clear();
    if (v.capacity() > kKeptCapacity) std::decay_t<decltype(v)>().swap(v);
  };
  reuse(proposals);
  reuse(reads);
  reuse(messages);
  reuse(conf_changes);
  reuse(unreachable);
  reuse(snapshot_reports);
  decoded_snapshots.clear();  // moved out by drain_inbox
  transfer_leadership = false;
  snapshot_written = false;
}

void NodeCore::run_fan_out(store::FanOut fan_out) {
  if (fan_out.empty()) return;
  // Outside the store lock, still inside the round (raft_mu_ held): readers and watch()/unwatch()
  // go on meanwhile, and no later round applies anything before these sinks have run, so a
  // watcher gets this round's events before the next round's, in index order. A watcher that
  // registers now starts after the applied index (or is answered from the history), so it
  // misses nothing and sees nothing twice. An unwatch() now removes the watcher from the hub;
  // its sink may still run once here (FanOut keeps it alive), on a session that is closing.
  const std::vector<store::WatchId> ended = fan_out.run();
  if (ended.empty()) return;
  std::unique_lock lock(store_mu_);
  for (store::WatchId id : ended) store_.unwatch(id);
}

void NodeCore::on_soft_state(const raft::SoftState& ss) {
  const bool was_leader = is_leader_.load();
  if (ss.lead != 0 && ss.lead != leader_.load()) leader_changes_.fetch_add(1, std::memory_order_relaxed);
  leader_ = ss.lead;
  is_leader_ = ss.role == raft::Role::kLeader;
  if (was_leader && !is_leader_) signals_.notify();  // wakes transfer_leadership_before_stop()
  if (was_leader != is_leader_) replication_due_ = {};  // a new leader shows its followers, a former one none
  if (is_leader_ && !was_leader) {
    leader_since_ = clock_.now();
    next_sync_ = clock_.steady_now() + options_.sync_interval;
    if (store_.cluster_version().empty()) {
      apply::Request version;
      version.method = apply::Method::kClusterVersion;
      version.value = std::string(kClusterVersion);
      propose_internal(std::move(version));
    }
  }
}

void NodeCore::maybe_copy_replication() {
  // Rounds run for every write: on most of them this costs one clock read. raft_->status()
  // allocates (the progress map, the conf state), so it is read at most every 100 ms.
  const auto now = clock_.steady_now();
  if (now < replication_due_) return;
  replication_due_ = now + kReplicationCopyInterval;
  const raft::RaftStatus st = raft_->status();
  ReplicationStatus copy;
  copy.term = st.term;
  copy.commit = st.commit;
  copy.last_index = log_->memory().last_index();
  // progress is filled on the leader only (self included, which is no follower).
  for (const auto& [id, pr] : st.progress)
    if (id != options_.member_id) copy.followers.push_back(FollowerProgress{id, pr.match, pr.next, pr.state});
  std::lock_guard lock(replication_mu_);
  replication_ = std::move(copy);
}

ReplicationStatus NodeCore::replication() const {
  std::lock_guard lock(replication_mu_);
  return replication_;
}

void NodeCore::send(std::vector<raft::Message> messages) {
  if (messages.empty()) return;
  for (const auto& m : messages)
    if (m.type == raft::MessageType::kApp) send_append_.fetch_add(1, std::memory_order_relaxed);
  if (sender_ != nullptr) sender_->send(std::move(messages));
}

void NodeCore::apply_committed(std::span<const raft::Entry> entries,
                           std::vector<std::pair<WriteCallback, WriteResult>>& answers,
                           std::vector<std::pair<MemberCallback, store::Member>>& member_answers,
                           store::FanOut& fan_out) {
  bool membership_changed = false;
  std::unique_lock lock(store_mu_);
  for (const auto& e : entries) {
    // Invariant: entries are applied once each, in log order.
    COORD_CHECK(e.index == applied_index_ + 1 || applied_index_ == 0 || e.index <= applied_index_,
                "committed entries skipped an index");
    if (e.index <= applied_index_) continue;
    log_bytes_since_snapshot_ += e.data.size();
    if (e.type == raft::EntryType::kConfChange) {
      apply_conf_change(e, member_answers);
      membership_changed = true;
    } else if (!e.data.empty()) {  // an empty normal entry is a new leader's no-op
      auto request = apply::decode_request(e.data);
      // A committed entry that does not decode means a bug or undetected corruption: stop.
      COORD_CHECK(request.is_ok(), "committed entry does not decode as a request");
      apply::Response response = applier_->apply(*request);
      WriteCallback cb;
      if (write_waiters_.take(request->id, cb))
        answers.emplace_back(std::move(cb), WriteResult{std::move(response), {e.index, position_.term}});
    }
    applied_index_ = e.index;
    position_.index = e.index;
  }
  // Taken with the lock still held: the watchers these entries reached, for run_fan_out().
  fan_out = store_.take_fan_out();
  lock.unlock();
  if (membership_changed) {
    update_peers();
    membership_applied_ = true;
  }
}

void NodeCore::campaign_if_alone() {
  membership_applied_ = false;
  const raft::RaftStatus st = raft_->status();
  const auto& voters = st.conf_state.voters;
  if (st.lead == raft::kNoNode && st.role == raft::Role::kFollower && voters.size() == 1 &&
      voters.front() == options_.member_id)
    raft_->campaign();
}

void NodeCore::release_reads() {
  while (!reads_awaiting_apply_.empty() && reads_awaiting_apply_.begin()->first <= applied_index_) {
    for (auto id : reads_awaiting_apply_.begin()->second) {
      ReadCallback cb;
      if (read_waiters_.take(id, cb)) cb(Status::ok());
    }
    reads_awaiting_apply_.erase(reads_awaiting_apply_.begin());
  }
}

void NodeCore::maybe_snapshot() {
  // Invariant: at most one snapshot in flight; the next one waits for this one to be recorded.
  const bool due = applied_index_ - snapshot_index_ >= options_.snapshot_count ||
                   log_bytes_since_snapshot_ >= options_.snapshot_log_bytes;
  if (!due || log_->snapshot_in_flight()) return;
  // Only a round (this one) writes what save() reads; other threads change only the
  // watcher hub (watch/unwatch), which save() does not read: no store lock is needed, neither
  // here (kInline) nor in a forked child (kForked), which must take no lock at all. The
  // serialized text is exactly the state at applied_index_; writing and fsyncing it is the writer
  // thread's job (or the child's). Sized from the last one (plus growth room): no reallocation
  // copies of a string of 100s of MB.
  const auto started = clock_.steady_now();
  auto serialize = [this] { return store_.save(snapshot_bytes_ + snapshot_bytes_ / 8); };
  if (auto s = log_->capture_snapshot(applied_index_, raft_->status().conf_state, serialize); !s.is_ok())
    return fail(s);
  snapshot_index_ = applied_index_;  // moved on again once this one is durable (finish_snapshot)
  log_bytes_since_snapshot_ = 0;
  snapshot_started_ = started;
  snapshot_capture_ = clock_.steady_now() - started;
}

std::uint64_t NodeCore::snapshot_in_flight_to_follower() const {
  if (!is_leader_.load()) return 0;
  std::uint64_t lowest = 0;
  for (const auto& [id, pr] : raft_->status().progress) {
    // Only a follower a snapshot is on its way to. Raft's recent_active is no test of a live
    // follower: it turns false only at the leader's next check-quorum, an election timeout
    // after the follower went silent, and holding the log for a follower that is down keeps up
    // to catch_up_bytes in memory for nothing (it gets a snapshot when it is back).
    if (id == options_.member_id || pr.state != raft::ProgressState::kSnapshot || pr.pending_snapshot == 0) continue;
    if (lowest == 0 || pr.pending_snapshot < lowest) lowest = pr.pending_snapshot;
  }
  return lowest;
}

void NodeCore::finish_snapshot() {
  auto outcome = log_->finish_snapshot(options_.snapshot_catch_up_entries, snapshot_in_flight_to_follower());
  if (!outcome.is_ok()) return fail(outcome.status());
  if (*outcome == SnapshotOutcome::kNotReady) return;
  // The next snapshot is due snapshot_count entries after this one is durable, not after it was
  // started: under a sustained load of a large store the writer would otherwise be busy all the
  // time and every WAL fdatasync would share the disk with snapshot writeback.
  const std::uint64_t saved_index = snapshot_index_;
  snapshot_index_ = applied_index_;
  log_bytes_since_snapshot_ = 0;
  // A local snapshot overtaken by one received from the leader comes back kDropped: nothing to log.
  if (*outcome != SnapshotOutcome::kRecorded) return;
  snapshot_bytes_ = log_->recorded_snapshot_bytes();
  // What the raft loop paid (the capture: serializing, or the fork) against what the writer
  // thread or the child took off it.
  if (options_.log)
    COORD_LOG_INFO("saved snapshot", {"snapshot-index", saved_index}, {"snapshot-size-bytes", snapshot_bytes_},
                   log::duration("capture-on-raft-loop", snapshot_capture_),
                   log::duration("took", clock_.steady_now() - snapshot_started_));
}

void NodeCore::fail(const Status& status) {
  {
    std::lock_guard lock(failure_mu_);
    failure_ = status.to_string();
  }
  if (options_.log) COORD_LOG_FATAL("fatal: " + status.to_string());
  failed_ = true;
  // The shell's raft thread may be waiting for work while another thread's round failed: it must
  // wake to end, and wait_ready() must return.
  signals_.notify();
}

}  // namespace coord::node
