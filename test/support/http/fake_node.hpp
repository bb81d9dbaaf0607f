// FakeNode: a node::NodeApi in process, for driving the client API (server/http) without Raft,
// a WAL or a cluster. Writes are applied at once to a real store (apply::Applier), so keys
// answers are the store's own; what a real cluster answers only under faults — a write or a
// quorum read that times out, a membership change refused, no leader, a failed disk — is
// scripted by the test through the setters.
//
// Thread-safe: the io thread of the server under test calls the NodeApi methods while the
// test's thread scripts answers; mu_ guards the script, store_mu_ the store (watch sinks run
// under it, the store's default). Lock order: store_mu_ before mu_ (a sink calls
// after_answers()); mu_ is never held while taking store_mu_. Callbacks other than sinks run on
// the calling (io) thread under no lock.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/apply/applier.hpp"
#include "server/common/clock.hpp"
#include "server/node/node_api.hpp"
#include "server/node/node_metrics.hpp"

namespace coord::test {

class FakeNode final : public node::NodeApi {
 public:
  static constexpr std::uint64_t kSelfId = 0x8e9e05c52164694d;
  static constexpr std::uint64_t kClusterId = 0xcdf818194e3a8c32;

  // One member, itself, the leader, named "default" on the given URLs.
  FakeNode() {
    store::Member self{kSelfId, "default", {"http://127.0.0.1:2380"}, {"http://127.0.0.1:2379"}};
    store_.add_member(self);
    status_.id = kSelfId;
    status_.cluster_id = kClusterId;
    status_.name = "default";
    status_.leader = kSelfId;
    status_.is_leader = true;
    status_.start_time = clock_.now();
  }

  // ---- the script (any thread)
  // Every write is answered with `error` instead of being applied (nullopt: applied again).
  void fail_writes(std::optional<store::V2Error> error) { std::lock_guard l(mu_); write_error_ = std::move(error); }
  // Every read barrier is answered with `status`.
  void answer_read_barriers(Status status) { std::lock_guard l(mu_); barrier_ = std::move(status); }
  // Every membership change is answered with `status`; ok applies it to the store's members.
  void answer_member_changes(Status status) { std::lock_guard l(mu_); member_change_ = std::move(status); }
  // The leader this member knows (0: none, an election is on).
  void set_leader(std::uint64_t id) {
    std::lock_guard l(mu_);
    status_.leader = id;
    status_.is_leader = id == kSelfId;
  }
  void set_failed(bool failed) { std::lock_guard l(mu_); failed_ = failed; }
  void set_peer_activity(std::vector<node::PeerActivity> peers) { std::lock_guard l(mu_); peers_ = std::move(peers); }
  // What the members API was last asked to do, for assertions.
  std::vector<std::string> last_peer_urls() const { std::lock_guard l(mu_); return last_peer_urls_; }
  std::uint64_t last_member_id() const { std::lock_guard l(mu_); return last_member_id_; }

  // ---- node::NodeApi
  void propose(apply::Request request, node::WriteCallback done) override {
    std::optional<store::V2Error> error;
    {
      std::lock_guard l(mu_);
      error = write_error_;
    }
    node::WriteResult result;
    if (error) {
      done(node::WriteResult{apply::Response{*error, std::nullopt}, position()});
      return run_after_answers();
    }
    {
      std::unique_lock l(store_mu_);
      request.time = clock_.now();
      result.response = apply::Applier(store_).apply(request);
      position_.index++;
      result.raft = position_;
    }
    done(std::move(result));
    run_after_answers();
  }
  void read_barrier(node::ReadCallback done) override {
    Status status;
    {
      std::lock_guard l(mu_);
      status = barrier_;
    }
    done(std::move(status));
    run_after_answers();
  }
  store::V2Result<store::WatchStart> watch(std::string_view key, bool recursive, bool stream,
                                           std::uint64_t since_index, store::WatchSink sink) override {
    std::unique_lock l(store_mu_);
    return store_.watch(key, recursive, stream, since_index, std::move(sink));
  }
  void unwatch(store::WatchId id) override {
    std::unique_lock l(store_mu_);
    store_.unwatch(id);
  }
  void after_answers(std::function<void()> fn) override {
    std::lock_guard l(mu_);
    after_answers_.push_back(std::move(fn));
  }
  void add_member(std::vector<std::string> peer_urls, node::MemberCallback done) override {
    store::Member added{0x1234abcd, "", peer_urls, {}};
    change_member(std::move(peer_urls), 0, std::move(done), [&] { store_.add_member(added); return added; });
  }
  void remove_member(std::uint64_t id, node::MemberCallback done) override {
    change_member({}, id, std::move(done), [&] {
      store_.remove_member(id);
      return store::Member{id, "", {}, {}};
    });
  }
  void update_member(std::uint64_t id, std::vector<std::string> peer_urls, node::MemberCallback done) override {
    change_member(peer_urls, id, std::move(done), [&] {
      store_.update_member_peer_urls(id, peer_urls);
      return store::Member{id, "", peer_urls, {}};
    });
  }
  bool failed() const override { std::lock_guard l(mu_); return failed_; }
  node::NodeStatus status() const override {
    node::NodeStatus s;
    {
      std::lock_guard l(mu_);
      s = status_;
    }
    s.raft = position();  // after mu_ is released: a watch sink takes mu_ under store_mu_ (after_answers)
    return s;
  }
  std::vector<store::Member> members() const override {
    std::shared_lock l(store_mu_);
    return store_.members();
  }
  std::uint64_t cluster_id() const override { return kClusterId; }
  const Clock& clock() const override { return clock_; }
  std::vector<node::PeerActivity> peer_activity() const override { std::lock_guard l(mu_); return peers_; }
  node::ReplicationStatus replication() const override {
    const node::RaftPosition p = position();
    return node::ReplicationStatus{p.term, p.index, p.index, {}};
  }
  HistogramSnapshot wal_fsync_durations() const override { return metrics_.snap_fsync.snapshot(); }
  const node::NodeMetrics& metrics() const override { return metrics_; }

 private:
  void read_store(FunctionRef<void(const store::Store&, node::RaftPosition)> fn) const override {
    std::shared_lock l(store_mu_);
    fn(store_, position_);
  }
  node::RaftPosition position() const {
    std::shared_lock l(store_mu_);
    return position_;
  }
  // Records the request, then answers the scripted status, applying `apply` to the store
  // first when it is ok.
  template <class Apply>
  void change_member(std::vector<std::string> peer_urls, std::uint64_t id, node::MemberCallback done, Apply apply) {
    Status status;
    {
      std::lock_guard l(mu_);
      last_peer_urls_ = std::move(peer_urls);
      last_member_id_ = id;
      status = member_change_;
    }
    if (!status.is_ok()) return done(std::move(status), store::Member{});
    store::Member member;
    {
      std::unique_lock l(store_mu_);
      member = apply();
      position_.index++;
    }
    done(Status::ok(), std::move(member));
  }
  void run_after_answers() {
    std::vector<std::function<void()>> queued;
    {
      std::lock_guard l(mu_);
      queued.swap(after_answers_);
    }
    for (auto& fn : queued) fn();
  }

  ManualClock clock_;
  node::NodeMetrics metrics_;

  mutable std::shared_mutex store_mu_;
  store::Store store_;                    // guarded by store_mu_
  node::RaftPosition position_{1, 2};     // guarded by store_mu_

  mutable std::mutex mu_;  // guards the script below
  node::NodeStatus status_;
  std::optional<store::V2Error> write_error_;
  Status barrier_;
  Status member_change_;
  bool failed_ = false;
  std::vector<node::PeerActivity> peers_;
  std::vector<std::string> last_peer_urls_;
  std::uint64_t last_member_id_ = 0;
  std::vector<std::function<void()>> after_answers_;
};

}  // namespace coord::test
