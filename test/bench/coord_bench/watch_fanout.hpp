// WatchFanout: the watch-fanout workload. W long-poll watchers (one keep-alive connection each,
// since a long poll cannot be pipelined) wait on one key, or recursively on one dir; then one PUT
// is sent and the time from just before that PUT to the last watcher's complete answer is taken.
// Repeated for --rounds PUTs, re-arming each watcher with the next waitIndex so no event is
// missed. Call run() from one thread; watchers run on the io_context threads it starts.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "test/bench/coord_bench/bench_options.hpp"
#include "test/bench/coord_bench/latency_recorder.hpp"

namespace coord::bench {

class Watcher;

// What the watchers of one fan-out share. Safe for concurrent use: atomics, and each watcher
// writes only its own slot of notified_ns.
struct FanoutState {
  std::atomic<int> connected{0};
  std::atomic<int> armed{0};             // watch requests written this round
  std::atomic<int> answered{0};          // answers received this round
  std::atomic<int> failed{0};            // bad answers or broken connections, whole run
  std::vector<std::atomic<std::int64_t>> notified_ns;  // steady-clock time of each answer
  explicit FanoutState(int watchers) : notified_ns(static_cast<std::size_t>(watchers)) {}
};

struct FanoutResult {
  LatencyRecorder last_notified;  // per round: PUT sent -> last watcher answered
  LatencyRecorder all_notified;   // every watcher of every round: PUT sent -> its answer
  LatencyRecorder put_latency;    // the triggering PUTs
  int rounds_done = 0;
  bool registration_seen = false;  // /v2/stats/store showed every watcher before each PUT
  double connect_s = 0;
};

class WatchFanout {
 public:
  WatchFanout(const BenchOptions& options, std::vector<boost::asio::ip::tcp::endpoint> addresses);
  ~WatchFanout();

  FanoutResult run();

 private:
  bool connect_all(FanoutResult& result);
  bool wait_registered(int watchers);
  bool run_round(std::uint64_t& wait_index, FanoutResult& result);

  const BenchOptions options_;
  const std::vector<boost::asio::ip::tcp::endpoint> addresses_;
  std::string watch_key_;  // what the watchers wait on
  std::string put_key_;    // what the PUT writes
  boost::asio::io_context ioc_;
  FanoutState state_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
};

}  // namespace coord::bench
