// EventLoops: the proxy's io threads. Each Loop is an io_context run by exactly one thread,
// with the idle member connections that belong to it. The listener places every client
// session on one loop in turn, and a request goes out on a connection of its session's loop,
// so an exchange (read the client, write the member, read the member, write the client) runs on
// one thread from start to end: no hand-off to another thread and no wake-up of a second io
// thread per request, which on a busy host cost more than the forwarding itself.
//
// Invariant: everything bound to a Loop's io_context (its sessions, its pool's connections and
// their handlers) runs on that Loop's one thread, so none of it needs a strand of its own.
//
// Thread-safety: construct, start() and stop() from one thread. loop_for() and contexts() are
// safe from any thread (the loops are fixed at construction); a Loop's pool is thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "server/proxy/upstream_pool.hpp"

namespace coord::proxy {

class EventLoops {
 public:
  struct Loop {
    // Hint 1: one thread runs it, so asio's scheduler never wakes a second thread for the
    // reactor; handlers posted from other threads are still safe.
    boost::asio::io_context ioc{1};
    UpstreamPool pool;
  };

  explicit EventLoops(unsigned count);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  // Starts one thread per loop.
  void start();
  // Stops every loop, joins the threads, and closes the idle connections. Idempotent.
  void stop();

  // The loop whose io_context runs `executor` (a session's io executor); the first loop when
  // none does.
  Loop& loop_for(const boost::asio::any_io_executor& executor) const;
  Loop& front() const { return *loops_.front(); }
  std::vector<boost::asio::io_context*> contexts() const;

 private:
  // Constant after construction.
  std::vector<std::unique_ptr<Loop>> loops_;

  // Touched only by the thread that calls start() and stop().
  std::vector<std::thread> threads_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
};

}  // namespace coord::proxy
