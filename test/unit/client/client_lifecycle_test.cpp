// Async twins (callbacks, futures, coroutines), cancellation, and destruction with calls in flight.
#include <boost/test/unit_test.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <thread>

#include "coord/client.hpp"
#include "test/support/client/fake_transport.hpp"

using namespace coord;
using namespace coord::test;
namespace asio = boost::asio;

namespace {

std::shared_ptr<FakeTransport> answering_fake() {
  return std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.target.find("hold") != std::string::npos) return std::nullopt;
    return answer(200, event_body("get", "/k", "v", 5));
  });
}

TransportError::Kind kind_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const TransportError& t) {
    return t.kind();
  } catch (...) {
  }
  return TransportError::Kind::kProtocol;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_lifecycle)

BOOST_AUTO_TEST_CASE(async_get__callback_runs_once_with_response) {
  auto fake = answering_fake();
  // Declared before the client: the client's destructor joins the thread that sets it.
  std::promise<std::pair<std::exception_ptr, Response>> got;
  Client client(FakeTransport::options(fake));
  client.async_get("/k", {}, [&](std::exception_ptr e, Response r) { got.set_value({e, std::move(r)}); });
  auto [e, r] = got.get_future().get();
  BOOST_TEST(!e);
  BOOST_TEST(*r.node.value == "v");
}

BOOST_AUTO_TEST_CASE(async_get__use_future_rethrows_etcd_errors) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return answer(404, error_body(100, "Key not found", "/k", 3), 3);
  });
  Client client(FakeTransport::options(fake));
  auto f = client.async_get("/k", {}, asio::use_future);
  BOOST_CHECK_THROW(f.get(), Error);
}

BOOST_AUTO_TEST_CASE(async_set__works_with_use_awaitable) {
  auto fake = answering_fake();
  Client client(FakeTransport::options(fake));
  asio::io_context ioc;
  std::string value;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await client.async_set("/k", "v", {}, asio::use_awaitable);
        Response r = co_await client.async_get("/k", {}, asio::use_awaitable);
        value = *r.node.value;
      },
      asio::detached);
  ioc.run();
  BOOST_TEST(value == "v");
  BOOST_TEST(fake->sent().at(0).request.method == "PUT");
}

BOOST_AUTO_TEST_CASE(async_members__parses_member_list) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    BOOST_TEST(r.target == "/v2/members");
    return answer(200, R"({"members":[{"id":"1a","name":"m0","peerURLs":["http://p:1"],"clientURLs":["http://c:1"]}]})");
  });
  Client client(FakeTransport::options(fake));
  auto members = client.async_members(asio::use_future).get();
  BOOST_REQUIRE_EQUAL(members.size(), 1u);
  BOOST_TEST(members[0].name == "m0");
}

BOOST_AUTO_TEST_CASE(stop_token__cancels_a_blocking_call_in_flight) {
  auto fake = answering_fake();
  Client client(FakeTransport::options(fake));
  std::stop_source stop;
  auto waiting = std::async(std::launch::async, [&] {
    try {
      client.get("/hold", GetOptions{.stop = stop.get_token()});
    } catch (const TransportError& e) {
      return e.kind();
    }
    return TransportError::Kind::kProtocol;
  });
  BOOST_REQUIRE(fake->wait_held(1));
  stop.request_stop();
  BOOST_TEST((waiting.get() == TransportError::Kind::kCancelled));
  BOOST_TEST(fake->held() == 0u);
}

BOOST_AUTO_TEST_CASE(cancellation_slot__cancels_an_async_call) {
  auto fake = answering_fake();
  asio::cancellation_signal signal;
  std::promise<std::exception_ptr> done;
  asio::io_context ioc;  // the handler's executor: emit and completion both happen on it
  Client client(FakeTransport::options(fake));
  auto guard = asio::make_work_guard(ioc);
  client.async_get("/hold", {},
                   asio::bind_cancellation_slot(signal.slot(), asio::bind_executor(ioc, [&](std::exception_ptr e, Response) {
                     done.set_value(e);
                     guard.reset();
                   })));
  BOOST_REQUIRE(fake->wait_held(1));
  asio::post(ioc, [&] { signal.emit(asio::cancellation_type::terminal); });
  ioc.run();
  BOOST_TEST((kind_of(done.get_future().get()) == TransportError::Kind::kCancelled));
}

BOOST_AUTO_TEST_CASE(destructor__cancels_calls_in_flight_and_runs_their_handlers_first) {
  auto fake = answering_fake();
  std::atomic<int> handled{0};
  std::exception_ptr seen;
  {
    Client client(FakeTransport::options(fake));
    client.async_get("/hold", {}, [&](std::exception_ptr e, Response) {
      seen = e;
      ++handled;
    });
    BOOST_REQUIRE(fake->wait_held(1));
  }  // ~Client with the call held by the transport
  BOOST_TEST(handled.load() == 1);
  BOOST_TEST((kind_of(seen) == TransportError::Kind::kCancelled));
  BOOST_TEST(fake->shut_down());
}

BOOST_AUTO_TEST_CASE(blocking_call_from_a_client_thread__is_refused) {
  auto fake = answering_fake();
  std::promise<bool> refused;  // outlives the client, whose thread sets it
  Client client(FakeTransport::options(fake));
  client.async_get("/k", {}, [&](std::exception_ptr, Response) {
    try {
      client.get("/k");
      refused.set_value(false);
    } catch (const std::logic_error&) {
      refused.set_value(true);
    }
  });
  BOOST_TEST(refused.get_future().get());
}

BOOST_AUTO_TEST_CASE(https_endpoint__without_tls_transport_is_refused_at_construction) {
  ClientOptions o;
  o.endpoints = {"https://127.0.0.1:1"};
  BOOST_CHECK_THROW(Client{o}, TransportError);
}


// A handler owns the client and destroys it (a common shape: a request object whose last
// callback drops its client). Must hold: no abort; the handler returns and the shutdown ends.
BOOST_AUTO_TEST_CASE(destructor__from_the_clients_own_handler_does_not_abort) {
  auto fake = answering_fake();
  auto client = std::make_shared<std::unique_ptr<Client>>(std::make_unique<Client>(FakeTransport::options(fake)));
  std::promise<bool> done;
  (*client)->async_get("/k", {}, [client, &done](std::exception_ptr e, Response) {
    client->reset();  // ~Client on the client's own thread
    done.set_value(!e);
  });
  auto f = done.get_future();
  BOOST_REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  BOOST_TEST(f.get());
  BOOST_TEST(fake->wait_shut_down(std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_SUITE_END()
