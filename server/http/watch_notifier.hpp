// WatchNotifier: hands the watch notifications of one applied batch to the io threads in
// slices. Watch sinks run on the raft thread, under the store lock, back to back for every
// watcher an event reaches; posting each notification to its session's strand from there
// costs the raft thread a queue operation and often a thread wake-up per watcher, and the io
// threads then pick them up one by one. Instead the sinks only append here, and once the
// batch's writers are answered (Node::after_answers) the list is cut into slices, one io
// task each: an io thread walks its slice and runs each session's send on the session's
// strand, inline when that strand is idle. Thread-safety: add() only from watch sinks (the
// raft thread); the slices run on the io threads and share nothing but immutable bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "server/http/session.hpp"

namespace coord::node {
class Node;
}

namespace coord::http {

class WatchNotifier {
 public:
  explicit WatchNotifier(node::Node& node) : node_(node) {}

  // Queues `frames` for `session` (see Session::send_frames). Raft thread, inside a sink.
  void add(std::shared_ptr<Session> session, SharedBytes frames, bool last);

  // Notifications per io task: large enough that the per-task cost vanishes, small enough
  // that every io thread gets a share of a big fan-out.
  static constexpr std::size_t kSlice = 128;

 private:
  struct Notification {
    std::shared_ptr<Session> session;
    SharedBytes frames;
    bool last;
  };
  void flush();

  node::Node& node_;
  std::vector<Notification> pending_;  // raft thread only
};

}  // namespace coord::http
