// One program that links the server's TLS (coord_tls) and the SDK's TLS transport
// (coord_client): both use Asio's SSL, whose implementation is compiled once in coord_asio, so
// this test executable links at all only because there is a single copy. Both sides are also
// used, each building its OpenSSL context.
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include "coord/client.hpp"
#include "coord/tls.hpp"
#include "server/tls/context_source.hpp"

BOOST_AUTO_TEST_SUITE(tls_link)

BOOST_AUTO_TEST_CASE(server_and_sdk_tls_in_one_program__both_build_their_contexts) {
  coord::tls::ContextOptions server_side;
  server_side.role = coord::tls::Role::kClient;  // a member's context for its peers: no files needed
  auto source = coord::tls::ContextSource::create(server_side);
  BOOST_REQUIRE(source.is_ok());
  BOOST_TEST(source.value()->current() != nullptr);

  boost::asio::io_context io;
  coord::ClientOptions sdk_side;
  sdk_side.endpoints = {"https://127.0.0.1:1"};
  BOOST_TEST(coord::make_tls_transport(io.get_executor(), sdk_side) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
