#include "server/http/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace coord::http {

namespace net = boost::asio;

Listener::Listener(net::io_context& ioc, RequestHandler& handler, SessionLimits limits,
                   std::shared_ptr<tls::ContextSource> tls)
    : ioc_(ioc), handler_(handler), limits_(limits), tls_(std::move(tls)), acceptor_(net::make_strand(ioc)) {}

Status Listener::open(const net::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  const std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::io_error("listen on " + where + ": " + ec.message());
  return Status::ok();
}

void Listener::start() { do_accept(); }

void Listener::close() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                              net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(net::ip::tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket), self->handler_, self->limits_,
                                self->tls_ ? self->tls_->current() : nullptr)
          ->start();
    }
    // On an accept error (e.g. too many open files) keep accepting: the next may succeed.
    self->do_accept();
  });
}

}  // namespace coord::http
