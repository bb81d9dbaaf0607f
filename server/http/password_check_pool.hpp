// PasswordCheckPool: a few worker threads that run bcrypt verifications (tens of milliseconds
// each) so that no io thread ever does: a client sending wrong passwords in a loop then costs
// worker time only, and every other client's requests keep being answered.
//
// The queue is bounded: submit() refuses a check when max_queued are already waiting, so a
// flood of distinct wrong passwords can neither grow memory nor delay a legitimate login by
// more than max_queued checks; the caller answers such a request as an overloaded server does.
//
// Thread-safe: submit() from any thread. `done` runs on a worker thread. The destructor stops
// the workers after the check each is running; checks still queued are dropped with their
// callbacks (never called), so nothing a callback captured outlives the pool unexpectedly.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace coord::http {

class PasswordCheckPool {
 public:
  using Done = std::function<void(bool matches)>;

  PasswordCheckPool(std::size_t threads, std::size_t max_queued);
  ~PasswordCheckPool();
  PasswordCheckPool(const PasswordCheckPool&) = delete;
  PasswordCheckPool& operator=(const PasswordCheckPool&) = delete;

  // Queues "does `password` match `hash`" (auth::verify_password); `done` gets the answer on a
  // worker thread. False, with `done` dropped uncalled, when the queue is full.
  bool submit(std::string password, std::string hash, Done done);

  // Checks refused because the queue was full (for tests and measurements).
  std::size_t refused() const;

 private:
  struct Check {
    std::string password;
    std::string hash;
    Done done;
  };

  void work();

  const std::size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Check> queue_;  // guarded by mu_; at most max_queued_
  std::size_t refused_ = 0;  // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  std::vector<std::thread> workers_;  // last: started after the state above exists
};

}  // namespace coord::http
