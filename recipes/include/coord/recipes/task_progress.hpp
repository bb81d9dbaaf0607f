// coord::recipes::TaskProgress and TaskMonitor — progress reporting for the tasks of a job
// (recipes.md §4.5, one key per task). A worker's TaskProgress owns the TTL'd key
// <prefix>/<job>/<task> holding JSON {"state","fraction","message","worker","seq","token"} (the
// token is unique to this TaskProgress, so two workers with the same name never mistake each
// other's key for their own); the shared
// Refresher keeps it alive, report() writes are throttled (at most one per min_interval, the
// latest one pending is written by the next report after the interval, flush() or the terminal
// write), and every write is compare-and-swap on our previous value, so a worker that lost the key
// learns it. complete()/fail() record the outcome (kept for `retention`, default forever). A
// dead worker's key expires after its TTL: TaskMonitor reports that task as kLost. alive()
// follows the lease rule of lease.hpp: a partitioned or paused worker stops believing it owns
// the task before its key can expire on the server and the task be claimed again.
// TaskMonitor's watch confirms a quiet member with a quorum read (coord/watcher.hpp) and, behind
// a slow callback, pauses at a bounded queue; after a resync it reports each task's latest
// status once (the statuses in between are coalesced away).
//
// Thread-safety: TaskProgress belongs to one owner thread (alive(), stop_token() from any). TaskMonitor is safe
// for concurrent use; its callback runs on its watcher thread, one at a time, with no internal
// lock held, never after destruction; it may destroy the monitor. The Client must outlive both.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "coord/client.hpp"
#include "coord/recipes/key_layouts.hpp"
#include "coord/watcher.hpp"

namespace coord::recipes {

enum class TaskState { kRunning, kSucceeded, kFailed, kLost };
const char* to_string(TaskState state);

struct TaskStatus {
  std::string task;
  TaskState state = TaskState::kRunning;
  double fraction = 0;
  std::string message;
  std::string worker;
  std::uint64_t seq = 0;
  std::uint64_t created_index = 0, modified_index = 0;
  // Parses a task key's node (nullopt for anything else).
  static std::optional<TaskStatus> from_node(const Node& node);
};

struct TaskProgressOptions {
  std::chrono::seconds ttl{10};
  std::string prefix = kJobsPrefix;
  std::chrono::milliseconds min_interval{1000};     // throttle of report()
  std::optional<std::chrono::seconds> retention;    // TTL of the terminal record (none: kept)
  std::string worker;                               // shown to monitors (default: an owner token)
  // Runs once, on the refresher's notification thread, when the task key's lease is lost.
  std::function<void(const std::string& reason)> on_lost;
};

class TaskProgress {
 public:
  // Claims the task (create-only: throws coord::Error 105 when the task key exists).
  TaskProgress(Client& client, std::string job, std::string task, TaskProgressOptions options = {});
  // Not finished: records kFailed "abandoned" (bounded). Never throws.
  ~TaskProgress();
  TaskProgress(TaskProgress&&) noexcept;
  TaskProgress& operator=(TaskProgress&&) = delete;

  // Records progress; written now when min_interval passed since the last write, else kept
  // pending. Returns true when written. Throws RecipeError::kLost when the key is no longer ours.
  bool report(double fraction, std::string message = {});
  // Writes the pending report, if any.
  void flush();
  void complete(std::string message = {});
  void fail(std::string message);
  // True while not finished and before the lease deadline (see lease.hpp).
  bool alive() const;
  // Requested when the task key's lease is lost (stop the work: someone may take the task over).
  std::stop_token stop_token() const;
  const std::string& key() const;

  struct State;

 private:
  void write(TaskState state, bool terminal);
  std::unique_ptr<State> s_;
};

class TaskMonitor {
 public:
  using Callback = std::function<void(const TaskStatus&)>;
  TaskMonitor(Client& client, std::string job, Callback on_change = nullptr, std::string prefix = kJobsPrefix);
  ~TaskMonitor();
  TaskMonitor(const TaskMonitor&) = delete;
  TaskMonitor& operator=(const TaskMonitor&) = delete;

  std::map<std::string, TaskStatus> tasks() const;
  // Waits until `predicate(tasks)` holds (checked after the first snapshot and after each
  // change, on a copy, with no internal lock held: it may call tasks()) or `timeout` passes.
  bool wait_until(const std::function<bool(const std::map<std::string, TaskStatus>&)>& predicate,
                  std::chrono::milliseconds timeout) const;

 private:
  void on_event(const WatchEvent& ev);

  // Shared with the frame of on_event: a callback may destroy this monitor, and the frame then
  // still owns the callback it runs and stops before touching any member.
  struct CallbackState {
    Callback callback;
    std::atomic<bool> destroyed{false};
  };

  const std::string dir_;
  const std::shared_ptr<CallbackState> callback_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, TaskStatus> tasks_;  // guarded by mu_
  bool ready_ = false;                        // guarded by mu_
  std::uint64_t version_ = 0;                 // guarded by mu_; bumped by every change
  std::unique_ptr<Watcher> watcher_;
};

}  // namespace coord::recipes
