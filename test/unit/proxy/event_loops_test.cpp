// The proxy's event loops (server/proxy/event_loops.hpp): a session's executor finds the loop
// that runs it (the connections its requests use are that loop's), and each loop runs every
// handler on one thread of its own, which is what lets a loop's connections go without strands.
#include "server/proxy/event_loops.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <set>
#include <thread>
#include <vector>

namespace net = boost::asio;
using coord::proxy::EventLoops;

BOOST_AUTO_TEST_SUITE(proxy_event_loops)

BOOST_AUTO_TEST_CASE(an_executor_finds_its_own_loop_and_a_foreign_one_the_first) {
  EventLoops loops(3);
  const auto contexts = loops.contexts();
  BOOST_REQUIRE_EQUAL(contexts.size(), 3u);
  BOOST_TEST(contexts[0] == &loops.front().ioc);
  for (auto* context : contexts) {
    // As a session gives it: the io_context under the session's strand.
    const auto strand = net::make_strand(*context);
    BOOST_TEST(&loops.loop_for(strand.get_inner_executor()).ioc == context);
    BOOST_TEST(&loops.loop_for(context->get_executor()).ioc == context);
  }
  net::io_context foreign;
  BOOST_TEST(&loops.loop_for(foreign.get_executor()) == &loops.front());
  BOOST_TEST(EventLoops(0).contexts().size() == 1u);  // never no loop at all
}

BOOST_AUTO_TEST_CASE(each_loop_runs_its_handlers_on_one_thread_of_its_own) {
  EventLoops loops(2);
  loops.start();
  constexpr int kPerLoop = 50;
  std::vector<std::set<std::thread::id>> seen(2);
  for (std::size_t i = 0; i < 2; ++i) {
    auto& ioc = *loops.contexts()[i];
    std::promise<void> done;
    auto finished = done.get_future();
    int left = kPerLoop;
    // Posted from this thread, run on the loop's: `seen[i]` and `left` are touched by it alone.
    for (int n = 0; n < kPerLoop; ++n)
      net::post(ioc, [&, i] {
        seen[i].insert(std::this_thread::get_id());
        if (--left == 0) done.set_value();
      });
    BOOST_REQUIRE(finished.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  }
  loops.stop();
  loops.stop();  // idempotent
  BOOST_TEST(seen[0].size() == 1u);
  BOOST_TEST(seen[1].size() == 1u);
  BOOST_TEST(*seen[0].begin() != *seen[1].begin());
  BOOST_TEST(seen[0].count(std::this_thread::get_id()) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
