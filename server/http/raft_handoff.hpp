// RaftHandoff: carries what a raft round produces for clients in one round of its loop —
// write answers, quorum-read answers, watch notifications — to the io threads in a few tasks.
// Write callbacks and watch sinks run inside the round; if each posted its own task to its
// session's strand, the round would pay a queue operation and often a thread wake-up per
// client, format every answer itself, and the io threads would pick the tasks up one by one.
// Instead they only append here, and the lists go to the io threads in slices, one io task
// each: an io thread walks its slice, formats each answer and runs each session's send on the
// session's strand, inline when that strand is idle. The slices go once the round's writers
// are answered (Node::after_answers), answers first. A small round that an io thread ran itself
// (raft_mu_ was free) answers on that thread at once.
// Order: slices run side by side, within a round and across rounds, so a watcher's events are
// queued on its session in order here (Session::enqueue_frames) and a slice only has them
// written.
// Thread-safety: add_*() only where Node::after_answers() may be called (inside a round, or
// the stopping thread once it has joined it); the slices run on io threads.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "server/http/session.hpp"

namespace coord::node {
class NodeApi;
}

namespace coord::http {

class RaftHandoff {
 public:
  explicit RaftHandoff(node::NodeApi& node) : node_(node) {}

  // Runs `answer` on an io thread; it owns what it needs and finishes with session->reply().
  void add_answer(std::shared_ptr<Session> session, std::function<void()> answer);
  // Queues `frames` for `session` (see Session::enqueue_frames), in the order of the calls.
  void add_notification(std::shared_ptr<Session> session, SharedBytes frames, bool last);

  // Items per io task. Answers are formatted in the task, so their slices are smaller: a
  // round's few dozen answers are shared by the io threads. A notification is one send.
  static constexpr std::size_t kAnswerSlice = 16;
  static constexpr std::size_t kNotificationSlice = 128;

 private:
  struct Answer {
    std::shared_ptr<Session> session;  // for its io executor
    std::function<void()> run;
  };
  void schedule_flush();
  void flush();

  node::NodeApi& node_;
  // Guarded by Node::raft_mu_ (touched only inside rounds and by Node::stop).
  bool flush_scheduled_ = false;
  std::vector<Answer> answers_;
  std::vector<std::shared_ptr<Session>> notified_;  // sessions with frames enqueued, each once
};

}  // namespace coord::http
