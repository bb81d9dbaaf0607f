// Internal: one client call in flight — sends, classifies each result, rotates endpoints, backs
// off, resolves ambiguous writes with a quorum read, and delivers exactly one result.
//
// Thread-safety: everything but cancel() runs on the call's strand; cancel() may be called from
// any thread, any number of times.
#pragma once

#include <memory>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "client/src/client_core.hpp"

namespace coord::detail {

class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(ClientCore& core, Operation op, Done done);
  // Posts the first attempt to the strand.
  void start();
  // Requests cancellation; `done` then gets TransportError::kCancelled (unless it already ran).
  void cancel();

 private:
  using Clock = std::chrono::steady_clock;

  void attempt();
  void on_result(const std::string& endpoint, TransportResult result);
  void on_answer(const std::string& endpoint, TransportResult& result);
  void deliver_answer(const HttpResponse& http);
  void retry_later(std::exception_ptr last);
  void resolve(std::exception_ptr conflict);
  void on_resolved(std::exception_ptr error, const Response& read);
  std::optional<Response> resolved_response(std::exception_ptr error, const Response& read) const;
  void finish(std::exception_ptr error, Response response = {});

  ClientCore& core_;  // outlives the call: shutdown() waits for every call
  Operation op_;
  Done done_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  Clock::time_point deadline_;

  // Guarded by the strand.
  int attempts_ = 0;
  bool ambiguous_ = false;  // an earlier attempt may have been applied
  std::uint64_t index_before_send_ = 0;
  std::function<void()> cancel_inflight_;
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace coord::detail
