#include "server/http/listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "server/common/log.hpp"
#include "server/http/connection_limit.hpp"

namespace coord::http {

namespace net = boost::asio;

namespace {

// Accept retries after a resource error or with every connection slot taken: from 5 ms,
// doubled each time, up to 1 s (as Go's http server does on temporary accept errors).
constexpr std::chrono::milliseconds kFirstBackoff{5};
constexpr std::chrono::milliseconds kMaxBackoff{1000};

// TCP keepalive on client connections, as Go sets it on accepted connections: a peer that
// vanished without a FIN or RST (a crashed host, a cut link) is detected within about
// idle + count * interval, and its session (a watcher, typically) ends.
constexpr int kKeepAliveIdleSeconds = 15;
constexpr int kKeepAliveIntervalSeconds = 15;
constexpr int kKeepAliveProbes = 9;

bool out_of_resources(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

}  // namespace

Status set_client_socket_options(net::ip::tcp::acceptor& acceptor) {
  boost::system::error_code ec;
  acceptor.set_option(net::ip::tcp::no_delay(true), ec);
  if (!ec) acceptor.set_option(net::socket_base::keep_alive(true), ec);
  if (ec) return Status::io_error("setsockopt: " + ec.message());
  const int fd = acceptor.native_handle();
  for (const auto& [option, value] : {std::pair{TCP_KEEPIDLE, kKeepAliveIdleSeconds},
                                      std::pair{TCP_KEEPINTVL, kKeepAliveIntervalSeconds},
                                      std::pair{TCP_KEEPCNT, kKeepAliveProbes}}) {
    if (::setsockopt(fd, IPPROTO_TCP, option, &value, sizeof value) != 0)
      return Status::io_error(std::string("setsockopt: ") + std::strerror(errno));
  }
  return Status::ok();
}

Listener::Listener(net::io_context& ioc, RequestHandler& handler, SessionLimits limits,
                   std::shared_ptr<tls::ContextSource> tls, std::vector<net::io_context*> session_contexts)
    : ioc_(ioc),
      handler_(handler),
      limits_(std::make_shared<const SessionLimits>(std::move(limits))),
      tls_(std::move(tls)),
      session_contexts_(std::move(session_contexts)),
      acceptor_(net::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()),
      backoff_(kFirstBackoff) {}

Status Listener::open(const net::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  const std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::io_error("listen on " + where + ": " + ec.message());
  if (Status s = set_client_socket_options(acceptor_); !s) return Status::io_error("listen on " + where + ": " + s.message());
  return Status::ok();
}

void Listener::start() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void Listener::close() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  if (!acceptor_.is_open()) return;
  // The slot is taken before the accept, so a connection never exists without one; with none
  // free the listener waits and new connections queue in the kernel's backlog meanwhile.
  std::shared_ptr<void> slot;
  if (limits_->connections) {
    slot = limits_->connections->try_acquire();
    if (!slot) {
      if (!reported_)
        COORD_LOG_WARN(std::to_string(limits_->connections->max()) +
                       " connections open, all the open-files limit allows; new ones wait");
      reported_ = true;
      return retry_later();
    }
  }
  net::io_context* context = &ioc_;
  if (!session_contexts_.empty()) context = session_contexts_[next_context_++ % session_contexts_.size()];
  acceptor_.async_accept(net::make_strand(*context), [self = shared_from_this(), slot = std::move(slot)](
                                                     boost::system::error_code ec, net::ip::tcp::socket socket) mutable {
    if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors (or kernel memory): accepting again at once would fail again and
      // spin. Wait, so sessions that end and the member's own files get descriptors first.
      if (out_of_resources(ec)) {
        if (!self->reported_) COORD_LOG_WARN("accept: " + ec.message() + "; retrying");
        self->reported_ = true;
        return self->retry_later();
      }
      // Any other error (e.g. the client reset the connection before accept): the next may succeed.
      return self->do_accept();
    }
    self->backoff_ = kFirstBackoff;
    self->reported_ = false;
    // No socket options to set: the connection has the listening socket's (open()).
    auto session = std::make_shared<Session>(std::move(socket), self->handler_, self->limits_,
                                             self->tls_ ? self->tls_->current() : nullptr);
    session->hold(std::move(slot));
    session->start();
    self->do_accept();
  });
}

void Listener::retry_later() {
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->do_accept();
  });
}

}  // namespace coord::http
