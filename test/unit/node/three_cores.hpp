// Three NodeCores driven by hand on one manual clock, for the node tests: their messages are
// carried between rounds by a small in-memory network that can cut a member off (as if it were
// frozen) and lets a test see or handle each message before it is delivered (a transport's part,
// such as carrying a snapshot file). Each member has its own MemFileSystem.
#pragma once

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "server/common/clock.hpp"
#include "server/common/file_mem.hpp"
#include "server/node/node_core.hpp"

namespace coord::node::test_core {

constexpr auto kTick = std::chrono::milliseconds(10);

// Three members on one clock. A round of the cluster runs every member that is not cut off,
// then delivers what they sent; messages to or from a cut-off member are lost.
class ThreeCores {
 public:
  // Sees each message the network is about to deliver; true when it delivered it itself (into
  // `to`'s inbox, changed or with more), false to let the network deliver it as it is.
  using DeliveryHook = std::function<bool(raft::Message& m, ThreeCores& cluster)>;

  // `tune` adjusts each member's options before its core opens.
  explicit ThreeCores(const std::function<void(NodeOptions&)>& tune = {}) {
    std::vector<MemberSpec> initial;
    for (std::uint64_t id = 1; id <= 3; ++id) initial.push_back(MemberSpec{id, "m" + std::to_string(id), {"http://m" + std::to_string(id)}});
    for (const auto& spec : initial) {
      NodeOptions o;
      o.member_id = spec.id;
      o.cluster_id = 0xc0;
      o.name = spec.name;
      o.data_dir = "/data";
      o.initial_members = initial;
      o.tick_interval = kTick;
      o.log = false;
      if (tune) tune(o);
      auto m = std::make_unique<Member>(*this, spec.id);
      m->core = std::make_unique<NodeCore>(o, m->fs, clock_, *m);
      BOOST_REQUIRE(m->core->open(m.get()).is_ok());
      members_.emplace(spec.id, std::move(m));
    }
  }

  NodeCore& core(std::uint64_t id) { return *members_.at(id)->core; }
  void cut_off(std::uint64_t id) { cut_off_.insert(id); }
  void reconnect(std::uint64_t id) { cut_off_.erase(id); }
  NodeCore::Inbox& inbox(std::uint64_t id) { return members_.at(id)->inbox; }
  MemFileSystem& fs(std::uint64_t id) { return members_.at(id)->fs; }
  void set_delivery_hook(DeliveryHook hook) { hook_ = std::move(hook); }

  void round() {
    for (auto& [id, m] : members_) {
      if (cut_off_.count(id) != 0) continue;
      NodeCore::Inbox in = std::move(m->inbox);
      m->inbox = {};
      in.snapshot_written = in.snapshot_written || m->written.exchange(false);
      BOOST_REQUIRE(m->core->run_round(in));
    }
    std::vector<raft::Message> sent = std::move(network_);
    network_.clear();
    for (auto& msg : sent) {
      if (cut_off_.count(msg.from) != 0 || cut_off_.count(msg.to) != 0) continue;
      if (hook_ && hook_(msg, *this)) continue;
      members_.at(msg.to)->inbox.messages.push_back(std::move(msg));
    }
    clock_.advance(kTick);
  }

  // Rounds until `done()` holds; false after `rounds`.
  template <class Done>
  bool rounds_until(Done done, int rounds = 500) {
    for (int i = 0; i < rounds; ++i) {
      if (done()) return true;
      round();
    }
    return done();
  }

  // Rounds until member `id` has no local snapshot in flight, waiting for its writer thread to
  // report each write (at most `timeout` per write); false on a timeout.
  bool finish_snapshots(std::uint64_t id, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    Member& m = *members_.at(id);
    while (m.core->snapshot_in_flight()) {
      {
        std::unique_lock lock(m.written_mu);
        if (!m.written_cv.wait_for(lock, timeout, [&] { return m.written.load(); })) return false;
      }
      round();
    }
    return true;
  }

  std::uint64_t leader() const {
    for (const auto& [id, m] : members_)
      if (m->core->is_leader()) return id;
    return 0;
  }

 private:
  struct Member final : NodeCore::Signals, MessageSender {
    Member(ThreeCores& cluster, std::uint64_t id) : cluster(cluster), id(id) {}
    void snapshot_written() override {  // on the writer thread
      {
        std::lock_guard lock(written_mu);
        written = true;
      }
      written_cv.notify_all();
    }
    void notify() override {}
    void send(std::vector<raft::Message> messages) override {
      for (auto& m : messages) cluster.network_.push_back(std::move(m));
    }
    void set_peers(const std::vector<store::Member>&, std::uint64_t) override {}
    std::vector<PeerActivity> peer_activity() const override { return {}; }

    ThreeCores& cluster;
    const std::uint64_t id;
    MemFileSystem fs;  // before core: the core writes to it until destroyed
    std::unique_ptr<NodeCore> core;
    NodeCore::Inbox inbox;
    // Set by the writer thread when a snapshot write ended; the next round carries it.
    std::atomic<bool> written{false};
    std::mutex written_mu;
    std::condition_variable written_cv;
  };

  ManualClock clock_;
  std::map<std::uint64_t, std::unique_ptr<Member>> members_;
  std::set<std::uint64_t> cut_off_;
  std::vector<raft::Message> network_;
  DeliveryHook hook_;
};

}  // namespace coord::node::test_core
