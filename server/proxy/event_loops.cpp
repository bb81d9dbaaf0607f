#include "server/proxy/event_loops.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

namespace coord::proxy {

namespace net = boost::asio;

EventLoops::EventLoops(unsigned count) {
  for (unsigned i = 0; i < std::max(1u, count); ++i) loops_.push_back(std::make_unique<Loop>());
}

EventLoops::~EventLoops() { stop(); }

void EventLoops::start() {
  for (auto& loop : loops_) {
    work_.push_back(net::make_work_guard(loop->ioc));
    threads_.emplace_back([&ioc = loop->ioc] { ioc.run(); });
  }
}

void EventLoops::stop() {
  work_.clear();
  for (auto& loop : loops_) loop->ioc.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  for (auto& loop : loops_) loop->pool.clear();
}

EventLoops::Loop& EventLoops::loop_for(const net::any_io_executor& executor) const {
  const auto& context = net::query(executor, net::execution::context);
  for (const auto& loop : loops_)
    if (&loop->ioc == &context) return *loop;
  return *loops_.front();
}

std::vector<net::io_context*> EventLoops::contexts() const {
  std::vector<net::io_context*> out;
  for (const auto& loop : loops_) out.push_back(&loop->ioc);
  return out;
}

}  // namespace coord::proxy
