// The fault scenarios of the recipes tests, one scenario for every recipe with ownership: a
// Contender wraps one recipe object behind the four things the scenarios need (acquire, "do I
// hold it", the stop_token, the fencing token), so one scenario serves every recipe. Also the
// fenced resource the scenarios write to (fenced_write) and FirstFalse, which records when an
// ownership query first turned false.
// Header-only.
//
// Thread-safety: a Contender belongs to one test thread (holds() and stop_token() may be called
// from any thread, as the recipes allow). fenced_write() uses only its arguments.
#pragma once

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "coord/coord.hpp"

namespace coord::test {

// A write guarded by a fencing token, as a downstream resource would do it: the resource key
// holds "<fence>:<data>"; a write whose fence is below the stored one is refused, and the write
// is a compare-and-swap on the index it read, so two writers cannot interleave.
inline bool fenced_write(Client& client, const std::string& key, std::uint64_t fence, const std::string& data) {
  std::string value = std::to_string(fence) + ":" + data;
  for (;;) {
    std::optional<Response> current;
    try {
      current = client.get(key, GetOptions{.quorum = true});
    } catch (const Error& e) {
      if (e.error_code() != errc::kKeyNotFound) throw;
    }
    try {
      if (!current) {
        client.create(key, value);
        return true;
      }
      std::string stored = current->node.value.value_or("0:");
      std::uint64_t stored_fence = 0;
      std::from_chars(stored.data(), stored.data() + stored.size(), stored_fence);
      if (stored_fence > fence) return false;
      client.compare_and_swap(key, value, std::nullopt, current->node.modified_index);
      return true;
    } catch (const Error& e) {
      if (e.error_code() != errc::kCompareFailed && e.error_code() != errc::kNodeExist) throw;
    }
  }
}

// Records when `holds` first turned false (sampled every 2 ms on its own thread).
class FirstFalse {
 public:
  using Clock = std::chrono::steady_clock;
  explicit FirstFalse(std::function<bool()> holds)
      : thread_([this, holds = std::move(holds)](std::stop_token stop) {
          while (!stop.stop_requested()) {
            if (!holds()) {
              at_ = Clock::now().time_since_epoch().count();
              return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));  // sampling interval of a measurement
          }
        }) {}
  // nullopt while still true.
  std::optional<Clock::time_point> at() const {
    auto t = at_.load();
    if (t == 0) return std::nullopt;
    return Clock::time_point(Clock::duration(t));
  }

 private:
  std::atomic<Clock::rep> at_{0};
  std::jthread thread_;
};

// One recipe object as the scenarios see it.
class Contender {
 public:
  virtual ~Contender() = default;
  // Blocks until held (returns true) or `timeout` passes (false).
  virtual bool acquire(std::chrono::milliseconds timeout) = 0;
  virtual bool holds() const = 0;
  virtual std::stop_token stop_token() const = 0;
  // Valid once acquired; grows strictly from one holder to the next.
  virtual std::uint64_t fence() const = 0;
};

namespace contender_detail {

using namespace std::chrono_literals;

template <class Lock>
class LockContender : public Contender {
 public:
  explicit LockContender(Lock& lock) : lock_(lock) {}
  bool acquire(std::chrono::milliseconds timeout) override { return lock_.try_lock_for(timeout); }
  bool holds() const override { return lock_.owns_lock(); }
  std::stop_token stop_token() const override { return lock_.stop_token(); }
  std::uint64_t fence() const override { return lock_.fencing_token(); }

 private:
  Lock& lock_;
};

class DistributedLockContender : public LockContender<recipes::DistributedLock> {
 public:
  DistributedLockContender(Client& c, const std::string& name) : LockContender(lock_), lock_(c, name, {.ttl = 2s}) {}

 private:
  recipes::DistributedLock lock_;
};

class SequencedLockContender : public LockContender<recipes::SequencedLock> {
 public:
  SequencedLockContender(Client& c, const std::string& name) : LockContender(lock_), lock_(c, name, {.ttl = 2s}) {}

 private:
  recipes::SequencedLock lock_;
};

// `read` picks the side this contender takes; the other side of the scenario takes the write
// lock, the only side that must wait for a reader.
class ReadWriteContender : public Contender {
 public:
  ReadWriteContender(Client& c, const std::string& name, bool read)
      : rw_(c, name, {.ttl = 2s}), lock_(read ? rw_.read_lock() : rw_.write_lock()) {}
  bool acquire(std::chrono::milliseconds timeout) override { return lock_.try_lock_for(timeout); }
  bool holds() const override { return lock_.owns_lock(); }
  std::stop_token stop_token() const override { return lock_.stop_token(); }
  std::uint64_t fence() const override { return lock_.fencing_token(); }

 private:
  recipes::ReadWriteLock rw_;
  recipes::SequencedLock& lock_;
};

class ElectionContender : public Contender {
 public:
  ElectionContender(Client& c, const std::string& name) : election_(c, name, {.ttl = 2s}) {}
  bool acquire(std::chrono::milliseconds timeout) override { return election_.campaign_for("candidate", timeout); }
  bool holds() const override { return election_.is_leader(); }
  std::stop_token stop_token() const override { return election_.stop_token(); }
  std::uint64_t fence() const override { return election_.term(); }

 private:
  recipes::LeaderElection election_;
};

class SemaphoreContender : public Contender {
 public:
  SemaphoreContender(Client& c, const std::string& name) : semaphore_(c, name, 1, {.ttl = 2s}) {}
  bool acquire(std::chrono::milliseconds timeout) override { return semaphore_.try_acquire_for(timeout); }
  bool holds() const override { return semaphore_.holds(); }
  std::stop_token stop_token() const override { return semaphore_.stop_token(); }
  std::uint64_t fence() const override { return semaphore_.fencing_token(); }

 private:
  recipes::Semaphore semaphore_;
};

// Waits for the key of a create-only claim that is in the way (105 at `index`) to go.
inline void wait_gone(Client& client, const std::string& key, std::uint64_t index, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left <= 0ms) return;
  try {
    client.watch(key, WatchOptions{.wait_index = index + 1, .timeout = left});
  } catch (const std::exception&) {
    // A timeout, a 401: the caller tries again (or gives up at its deadline).
  }
}

// Instance id "x" of one service: whoever registers it holds it.
class RegistrationContender : public Contender {
 public:
  RegistrationContender(Client& c, const std::string& name) : client_(c), registry_(c, name) {}
  bool acquire(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        registration_.emplace(registry_.register_instance("x", "127.0.0.1:1", 2s));
        return true;
      } catch (const Error& e) {
        if (e.error_code() != errc::kNodeExist) throw;
        wait_gone(client_, registry_.directory() + "/x", e.index(), deadline);
      }
    }
    return false;
  }
  bool holds() const override { return registration_ && registration_->alive(); }
  std::stop_token stop_token() const override { return registration_->stop_token(); }
  std::uint64_t fence() const override { return registration_->incarnation(); }

 private:
  Client& client_;
  recipes::ServiceRegistry registry_;
  std::optional<recipes::Registration> registration_;
};

// Task "t" of one job: whoever creates it holds it. Its fence is the task key's createdIndex.
class TaskContender : public Contender {
 public:
  TaskContender(Client& c, const std::string& name) : client_(c), job_(name) {}
  bool acquire(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        task_ = std::make_unique<recipes::TaskProgress>(client_, job_, "t", recipes::TaskProgressOptions{.ttl = 2s});
        fence_ = client_.get(task_->key(), GetOptions{.quorum = true}).node.created_index;
        return true;
      } catch (const Error& e) {
        if (e.error_code() != errc::kNodeExist) throw;
        wait_gone(client_, "/coord/jobs/" + job_ + "/t", e.index(), deadline);
      }
    }
    return false;
  }
  bool holds() const override { return task_ && task_->alive(); }
  std::stop_token stop_token() const override { return task_->stop_token(); }
  std::uint64_t fence() const override { return fence_; }

 private:
  Client& client_;
  std::string job_;
  std::unique_ptr<recipes::TaskProgress> task_;
  std::uint64_t fence_ = 0;
};

// The one item of a queue: the holder pushes it and claims it; the other claims it back.
class WorkItemContender : public Contender {
 public:
  WorkItemContender(Client& c, const std::string& name, bool push) : queue_(c, name, {.ttl = 2s}) {
    if (push) queue_.push("job");
  }
  bool acquire(std::chrono::milliseconds timeout) override {
    item_ = queue_.claim(timeout);
    return item_.has_value();
  }
  bool holds() const override { return item_ && item_->holds(); }
  std::stop_token stop_token() const override { return item_->stop_token(); }
  std::uint64_t fence() const override { return item_->fencing_token(); }

 private:
  recipes::WorkQueue queue_;
  std::optional<recipes::WorkItem> item_;
};

}  // namespace contender_detail

// The recipes with ownership, by the names make_contender() takes.
inline const std::vector<std::string>& contender_kinds() {
  static const std::vector<std::string> kinds{"lock",        "sequenced_lock", "read_lock", "write_lock", "election",
                                              "semaphore",   "registration",   "task",      "work_item"};
  return kinds;
}

// A recipe object of `kind` on recipe name `name` (TTL 2 s). `first` is the side that acquires
// first (it pushes the work item; of a read-write lock it takes the side `kind` names, while the
// other side always takes the write lock).
inline std::unique_ptr<Contender> make_contender(const std::string& kind, Client& client, const std::string& name,
                                                 bool first) {
  using namespace contender_detail;
  if (kind == "lock") return std::make_unique<DistributedLockContender>(client, name);
  if (kind == "sequenced_lock") return std::make_unique<SequencedLockContender>(client, name);
  if (kind == "read_lock") return std::make_unique<ReadWriteContender>(client, name, first);
  if (kind == "write_lock") return std::make_unique<ReadWriteContender>(client, name, false);
  if (kind == "election") return std::make_unique<ElectionContender>(client, name);
  if (kind == "semaphore") return std::make_unique<SemaphoreContender>(client, name);
  if (kind == "registration") return std::make_unique<RegistrationContender>(client, name);
  if (kind == "task") return std::make_unique<TaskContender>(client, name);
  if (kind == "work_item") return std::make_unique<WorkItemContender>(client, name, first);
  throw std::invalid_argument("make_contender: unknown kind " + kind);
}

}  // namespace coord::test
