// set_client_socket_options: the options set on a listening socket are those of every
// connection it accepts (Listener relies on Linux copying them, instead of setting each on
// each accepted socket).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include "server/http/listener.hpp"

namespace net = boost::asio;
using coord::http::set_client_socket_options;

namespace {

int int_option(int fd, int level, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  BOOST_TEST_REQUIRE(::getsockopt(fd, level, name, &value, &size) == 0);
  return value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(listener_options)

BOOST_AUTO_TEST_CASE(accepted_connection__has_nodelay_and_go_keepalive) {
  net::io_context ioc;
  net::ip::tcp::acceptor acceptor(ioc, net::ip::tcp::endpoint(net::ip::address_v4::loopback(), 0));
  BOOST_TEST_REQUIRE(set_client_socket_options(acceptor).is_ok());
  net::ip::tcp::socket client(ioc);
  client.connect(acceptor.local_endpoint());
  net::ip::tcp::socket accepted = acceptor.accept();

  const int fd = accepted.native_handle();
  BOOST_TEST(int_option(fd, IPPROTO_TCP, TCP_NODELAY) != 0);
  BOOST_TEST(int_option(fd, SOL_SOCKET, SO_KEEPALIVE) != 0);
  BOOST_TEST(int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 15);
  BOOST_TEST(int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL) == 15);
  BOOST_TEST(int_option(fd, IPPROTO_TCP, TCP_KEEPCNT) == 9);
}

BOOST_AUTO_TEST_CASE(an_acceptor_never_opened__is_an_error) {
  net::io_context ioc;
  net::ip::tcp::acceptor closed(ioc);  // never opened: no descriptor to set options on
  BOOST_TEST(!set_client_socket_options(closed).is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
