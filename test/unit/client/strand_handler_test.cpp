#include <boost/test/unit_test.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "coord/client.hpp"

BOOST_AUTO_TEST_SUITE(client_strand)

// An async_* handler bound to a strand compiles (no deprecated work guards) and runs on it.
BOOST_AUTO_TEST_CASE(async_get__handler_bound_to_a_strand_runs_on_that_strand) {
  boost::asio::io_context ioc;
  auto strand = boost::asio::make_strand(ioc);
  bool ran = false, on_strand = false, failed = false;
  {
    coord::ClientOptions options;
    options.endpoints = {"http://127.0.0.1:1"};  // nothing listens: the call fails quickly
    options.request_timeout = std::chrono::milliseconds(300);
    coord::Client client(options);
    client.async_get("/x", {}, boost::asio::bind_executor(strand, [&](std::exception_ptr e, coord::Response) {
                       ran = true;
                       failed = e != nullptr;
                       on_strand = strand.running_in_this_thread();
                     }));
    ioc.run();  // returns once the handler ran: the tracked work keeps it alive until then
  }
  BOOST_TEST(ran);
  BOOST_TEST(failed);
  BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_SUITE_END()
