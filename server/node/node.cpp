// Node: the thread placement of the raft loop around NodeCore (node.hpp). Everything here is
// about which thread runs a round and how work reaches it; what a round does is NodeCore's.
#include "server/node/node.hpp"

#include <iterator>

#include "server/node/peer_payload_check.hpp"

namespace coord::node {
namespace {

// True while this thread holds raft_mu_ for a round (the raft thread's, or run_round_here) or
// for stop(): work pushed from there (an answer that ran another session's queued request) must
// neither start a round of its own nor take raft_mu_ again.
thread_local bool t_in_round = false;
struct InRound {
  InRound() { t_in_round = true; }
  ~InRound() { t_in_round = false; }
  InRound(const InRound&) = delete;
  InRound& operator=(const InRound&) = delete;
};

store::V2Error stopped_error() { return store::V2Error{store::kEcodeRaftInternal, "etcdserver: server stopped", 0}; }

}  // namespace

Node::Node(NodeOptions options, FileSystem& fs, const Clock& clock) : core_(std::move(options), fs, clock, *this) {}

Node::~Node() { stop(); }

Status Node::start(MessageSender* sender) {
  {
    std::lock_guard raft(raft_mu_);
    COORD_RETURN_IF_ERROR(core_.open(sender));
  }
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

bool Node::wait_ready(std::chrono::milliseconds timeout) {
  std::unique_lock lock(ready_mu_);
  return ready_cv_.wait_for(lock, timeout, [this] { return core_.ready() || core_.failed(); }) && !core_.failed();
}

void Node::stop() {
  {
    std::lock_guard lock(inbox_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  inbox_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // A round may still run on a thread that pushed work just before stopping_ was set.
  std::lock_guard raft(raft_mu_);
  InRound in_round;
  // The raft thread is gone and raft_mu_ is held: no round can run. What is left in the inbox is
  // answered by the core, with every waiter.
  Inbox left;
  {
    std::lock_guard lock(inbox_mu_);
    std::swap(left, inbox_);
  }
  core_.stop(left);
}

void Node::snapshot_written() {
  // No run_round_here: the snapshot writer thread must never run a round itself.
  push_inbox([](Inbox& in) { in.snapshot_written = true; });
}

void Node::notify() {
  // Taking each lock orders the wake after the waiter's last look at the state: wait_ready and
  // transfer_leadership_before_stop wait on ready_cv_, the raft thread (which must end once the
  // core failed) on inbox_cv_.
  { std::lock_guard lock(ready_mu_); }
  ready_cv_.notify_all();
  { std::lock_guard lock(inbox_mu_); }
  inbox_cv_.notify_all();
}

void Node::propose(apply::Request request, WriteCallback done) {
  if (push_inbox_and_run([&](Inbox& in) { in.proposals.emplace_back(std::move(request), std::move(done)); }, true))
    return;
  answer_while_stopping([&] { done(WriteResult{apply::Response{stopped_error()}, {}}); });
}

void Node::read_barrier(ReadCallback done) {
  if (push_inbox_and_run([&](Inbox& in) { in.reads.push_back(std::move(done)); }, true)) return;
  answer_while_stopping([&] { done(Status::unavailable("etcdserver: server stopped")); });
}

void Node::answer_while_stopping(const std::function<void()>& answer) {
  // Callbacks run as inside a round even now: what they feed (RaftHandoff, after_answers) is
  // guarded by raft_mu_, and what they queue must still be handed on. This thread may hold
  // raft_mu_ already (a round's or stop()'s answer ran a queued request inline).
  if (t_in_round) return answer();
  std::lock_guard raft(raft_mu_);
  InRound in_round;
  answer();
  core_.run_after_answers();
}

void Node::report_unreachable(std::uint64_t peer) {
  push_inbox([&](Inbox& in) { in.unreachable.push_back(peer); });
}

void Node::report_snapshot(std::uint64_t peer, bool ok) {
  push_inbox([&](Inbox& in) { in.snapshot_reports.emplace_back(peer, ok); });
}

void Node::removed_from_cluster() {
  core_.fail(Status::aborted("the member has been permanently removed from the cluster"));  // also wakes the raft thread
}

Status Node::step(std::vector<raft::Message> messages) {
  Status refused;
  std::erase_if(messages, [&](const raft::Message& m) {
    Status s = check_peer_payloads(m);
    if (!s.is_ok() && refused.is_ok()) refused = s;
    return !s.is_ok();
  });
  if (messages.empty()) return refused;
  std::uint64_t appends = 0;
  for (const auto& m : messages) appends += m.type == raft::MessageType::kApp ? 1 : 0;
  if (appends > 0) core_.count_received_appends(appends);
  push_inbox_and_run([&](Inbox& in) {
    if (in.messages.empty()) return std::swap(in.messages, messages);
    std::move(messages.begin(), messages.end(), std::back_inserter(in.messages));
  }, false);
  return refused;
}

Status Node::step_snapshot(raft::Message message, store::DecodedState state, std::uint64_t data_bytes) {
  if (message.type != raft::MessageType::kSnap) return Status::invalid_argument("not a snapshot message");
  COORD_RETURN_IF_ERROR(check_peer_payloads(message));
  NodeCore::DecodedSnapshot decoded{message.snapshot.metadata, std::move(state), data_bytes};
  // One push: the state is in the round that steps its message, so the Ready that installs
  // the snapshot finds it (NodeCore::install_received_snapshot).
  push_inbox_and_run([&](Inbox& in) {
    in.messages.push_back(std::move(message));
    in.decoded_snapshots.push_back(std::move(decoded));
  }, false);
  return Status::ok();
}

void Node::add_member(std::vector<std::string> peer_urls, MemberCallback done) {
  if (auto request = core_.prepare_add_member(std::move(peer_urls), done)) push_conf_change(std::move(*request));
}

void Node::remove_member(std::uint64_t id, MemberCallback done) {
  if (auto request = core_.prepare_remove_member(id, done)) push_conf_change(std::move(*request));
}

void Node::update_member(std::uint64_t id, std::vector<std::string> peer_urls, MemberCallback done) {
  if (auto request = core_.prepare_update_member(id, std::move(peer_urls), done)) push_conf_change(std::move(*request));
}

void Node::push_conf_change(NodeCore::ConfChangeRequest request) {
  if (push_inbox([&](Inbox& in) { in.conf_changes.push_back(std::move(request)); })) return;
  request.done(Status::unavailable("etcdserver: server stopped"), {});
}

void Node::transfer_leadership_before_stop(std::chrono::milliseconds timeout) {
  if (!core_.is_leader() || core_.members().size() < 2) return;  // nobody to hand over to
  if (!push_inbox([](Inbox& in) { in.transfer_leadership = true; })) return;
  // Wait for the condition "someone else leads", bounded by `timeout`.
  std::unique_lock lock(ready_mu_);
  ready_cv_.wait_for(lock, timeout, [this] { return !core_.is_leader() || core_.failed(); });
}

// ------------------------------------ rounds (raft_mu_ held: the raft thread or run_round_here)

void Node::run() {
  std::unique_lock raft(raft_mu_);
  while (true) {
    const auto tick_at = core_.next_tick();  // read under raft_mu_: rounds elsewhere move it
    raft.unlock();
    {
      std::unique_lock lock(inbox_mu_);
      inbox_cv_.wait_until(lock, tick_at, [this] { return stopping_ || core_.failed() || inbox_.has_work(); });
      if (stopping_) return;
    }
    raft.lock();
    InRound in_round;
    if (!run_round()) return;
  }
}

bool Node::run_round_here() {
  if (t_in_round) return false;
  std::unique_lock raft(raft_mu_, std::try_to_lock);
  if (!raft.owns_lock()) return false;  // a round is running: it or the raft thread takes the work
  {
    std::lock_guard lock(inbox_mu_);
    if (stopping_) return true;  // stop() answers what is left in the inbox
  }
  InRound in_round;
  run_round();  // a fatal error is recorded by the core, which also wakes the raft thread to end
  return true;
}

bool Node::run_round() {
  if (core_.failed()) return false;
  Inbox& inbox = round_inbox_;  // empty: the last round cleared it
  {
    std::lock_guard lock(inbox_mu_);
    std::swap(inbox, inbox_);
  }
  light_load_.store(inbox.proposals.size() + inbox.reads.size() <= 1, std::memory_order_relaxed);
  const bool ok = core_.run_round(inbox);
  inbox.clear_for_reuse();
  return ok;
}

}  // namespace coord::node
