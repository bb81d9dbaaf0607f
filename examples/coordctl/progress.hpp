// Progress: what a long coordctl operation (dump, load, mirror's first copy, backup) reports on
// stderr while it runs. On a terminal it redraws one bar line (count, rate, time left) at most
// ten times a second; otherwise (a log, a pipe) it prints a plain line at most once a second.
// finish() prints the final count, rate and elapsed time either way. Nothing goes to stdout, which
// may carry the operation's data (dump).
//
// Thread-safety: add() may be called from any thread (the SDK's completion handlers call it);
// the counters are atomic and printing is serialized by a mutex. set_total() and finish() are
// called by the thread that owns the operation.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace coord::examples {

class Progress {
 public:
  // `what` names the operation ("load", "backup"); `unit` what is counted ("keys", "bytes").
  // A total of 0 means unknown (no bar, no time left).
  Progress(std::string what, std::string unit, std::uint64_t total = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set_total(std::uint64_t total) { total_.store(total); }
  void add(std::uint64_t n = 1);
  // Prints the last line (once; also called by the destructor).
  void finish();
  std::uint64_t done() const { return done_.load(); }

 private:
  std::string line(bool final, std::chrono::steady_clock::duration elapsed) const;

  const std::string what_, unit_;
  const bool terminal_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> total_, done_{0};
  std::mutex print_mu_;
  std::chrono::steady_clock::time_point last_print_;  // guarded by print_mu_
  bool finished_ = false;                             // guarded by print_mu_
};

}  // namespace coord::examples
