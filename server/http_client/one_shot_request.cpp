#include "server/http_client/one_shot_request.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <optional>
#include <strings.h>

namespace coord::http_client {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

// Whichever layer the HTTP messages go over (TCP, TLS, TLS inside TLS, each with its own type),
// behind one type: Beast's HTTP read and write, the largest templates here, are then compiled
// once instead of once per layer. Each operation moves the first non-empty buffer only, which
// read_some and write_some may always do (the caller loops).
class AnyStream {
 public:
  using executor_type = net::any_io_executor;
  using Handler = net::any_completion_handler<void(boost::system::error_code, std::size_t)>;

  template <class Stream>
  explicit AnyStream(Stream& stream)
      : executor_(stream.get_executor()),
        read_([&stream](net::mutable_buffer b, Handler h) { stream.async_read_some(b, std::move(h)); }),
        write_([&stream](net::const_buffer b, Handler h) { stream.async_write_some(b, std::move(h)); }) {}

  executor_type get_executor() const { return executor_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, net::mutable_buffer b) { read_(b, Handler(std::move(handler))); }, token,
        first_of<net::mutable_buffer>(buffers));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, net::const_buffer b) { write_(b, Handler(std::move(handler))); }, token,
        first_of<net::const_buffer>(buffers));
  }

 private:
  template <class Buffer, class Buffers>
  static Buffer first_of(const Buffers& buffers) {
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it)
      if (Buffer b(*it); b.size() != 0) return b;
    return Buffer();
  }

  executor_type executor_;
  std::function<void(net::mutable_buffer, Handler)> read_;
  std::function<void(net::const_buffer, Handler)> write_;
};

// Sets what a TLS client session must see of `peer`: SNI carries names only; an address is
// checked against the certificate's IP SANs, a name against its DNS names.
template <class TlsStream>
void expect_host(TlsStream& tls, const Peer& peer) {
  boost::system::error_code not_ip;
  net::ip::make_address(peer.host, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(tls.native_handle(), peer.host.c_str());
  if (peer.verify_host) tls.set_verify_callback(net::ssl::host_name_verification(peer.host));
}

std::string name_of(const Peer& peer) { return peer.name.empty() ? peer.authority() : peer.name; }

Answer answer_of(bhttp::response<bhttp::string_body>&& res) {
  Answer answer;
  answer.status = static_cast<int>(res.result_int());
  for (const auto& field : res) answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  answer.body = std::move(res.body());
  return answer;
}

}  // namespace

std::string Peer::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Answer::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  return {};
}

std::shared_ptr<net::ssl::context> system_trust_context() {
  auto context = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  boost::system::error_code ignored;  // no default paths: every verification fails, as it should
  context->set_default_verify_paths(ignored);
  context->set_verify_mode(net::ssl::verify_peer);
  return context;
}

Result<Answer> send_one_request(const Peer& to, const Request& request, const Options& options) {
  const Peer* proxy = options.proxy;
  const Peer& first = proxy ? *proxy : to;      // whom the TCP connection goes to
  const bool proxy_tls = proxy && proxy->tls;   // an https proxy: TLS with the proxy itself first
  const bool tunnel = proxy && to.tls;          // https through a proxy: CONNECT, then TLS inside
  const std::string what = !request.what.empty() ? request.what
                                                 : request.method + (to.tls ? " https://" : " http://") + to.authority() + request.target;
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  // The TLS session over TCP (with the target, or with an https proxy), the target's session
  // inside an https proxy's, and the TCP connection: `lowest`, owned by outer_tls when there is
  // TLS over TCP, else by plain_stream (exactly one of the two is set). A plain Asio socket, not
  // Beast's tcp_stream: its timeouts are not used (the deadline below closes the socket), and it
  // posts completions through the handler's executor, which the type-erased handlers of
  // AnyStream cannot do in Asio 1.81.
  std::optional<net::ssl::stream<net::ip::tcp::socket>> outer_tls;
  std::optional<net::ssl::stream<net::ssl::stream<net::ip::tcp::socket>&>> inner_tls;
  std::optional<net::ip::tcp::socket> plain_stream;
  if (to.tls || proxy_tls) {
    outer_tls.emplace(ioc, proxy_tls ? *proxy->tls : *to.tls);
    expect_host(*outer_tls, proxy_tls ? *proxy : to);
    if (proxy_tls && to.tls) {
      inner_tls.emplace(*outer_tls, *to.tls);
      expect_host(*inner_tls, to);
    }
  } else {
    plain_stream.emplace(ioc);
  }
  net::ip::tcp::socket& lowest = outer_tls ? outer_tls->next_layer() : *plain_stream;
  net::steady_timer deadline(ioc);
  // Through a proxy an http target is absolute-form, as HTTP proxies expect it; in a tunnel the
  // request goes to the target itself.
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(proxy && !tunnel ? "http://" + to.authority() + request.target : request.target);
  req.version(11);
  req.set(bhttp::field::host, to.authority());
  req.set(bhttp::field::user_agent, request.user_agent);
  req.set(bhttp::field::connection, "close");
  if (!request.body.empty()) {
    req.set(bhttp::field::content_type, request.content_type);
    req.body() = request.body;
  }
  req.prepare_payload();
  bhttp::request<bhttp::empty_body> connect{bhttp::verb::connect, to.authority(), 11};
  connect.set(bhttp::field::host, to.authority());
  bhttp::response_parser<bhttp::empty_body> connected;
  connected.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts after its head
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.body_limit);
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  bool timed_out = false;
  std::string refused;  // the proxy's refusal of a tunnel
  std::string step = "resolve " + first.host;
  // One deadline for every step: it closes the socket, which ends whatever step is pending.
  deadline.expires_after(options.timeout);
  deadline.async_wait([&](boost::system::error_code e) {
    if (e) return;
    timed_out = true;
    resolver.cancel();
    lowest.close(e);
  });
  auto finish = [&](boost::system::error_code e) {
    ec = e;
    deadline.cancel();
  };
  std::optional<AnyStream> http_stream, proxy_stream;  // the layer talk() and open_tunnel() use
  auto talk = [&](auto& layer) {
    step = what;
    bhttp::async_write(http_stream.emplace(layer), req, [&](boost::system::error_code e, std::size_t) {
      if (e) return finish(e);
      bhttp::async_read(*http_stream, buffer, parser, [&](boost::system::error_code e2, std::size_t) { finish(e2); });
    });
  };
  // TLS with the target over its lower layer (TCP, or a tunnel through the proxy), then the exchange.
  auto target_handshake = [&](auto& tls) {
    step = "TLS handshake with " + name_of(to);
    tls.async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code e) {
      if (e) return finish(e);
      talk(tls);
    });
  };
  // CONNECT through the proxy over `layer` (TCP, or TLS with an https proxy), then TLS with
  // the target inside the tunnel.
  auto open_tunnel = [&](auto& layer, auto& tls) {
    step = "CONNECT " + to.authority() + " through " + first.authority();
    bhttp::async_write(proxy_stream.emplace(layer), connect, [&](boost::system::error_code e, std::size_t) {
      if (e) return finish(e);
      bhttp::async_read_header(*proxy_stream, buffer, connected, [&](boost::system::error_code e2, std::size_t) {
        if (e2) return finish(e2);
        if (connected.get().result_int() / 100 != 2) {
          refused = "the proxy " + first.authority() + " refused CONNECT " + to.authority() + ": " +
                    std::to_string(connected.get().result_int()) + " " + std::string(connected.get().reason());
          return finish({});
        }
        // The TLS session reads the tunnel itself: bytes the proxy sent past its answer's
        // head, before our ClientHello, can only be a broken proxy.
        if (buffer.size() != 0) {
          refused = "the proxy " + first.authority() + " sent data before the TLS handshake";
          return finish({});
        }
        target_handshake(tls);
      });
    });
  };
  // Once TCP is up: what goes over it, by target scheme and proxy scheme.
  auto connected_tcp = [&] {
    if (!proxy) return to.tls ? target_handshake(*outer_tls) : talk(lowest);
    if (!proxy_tls) return tunnel ? open_tunnel(lowest, *outer_tls) : talk(lowest);
    // An https proxy: TLS with the proxy, its certificate checked as a target's, then the same
    // as over TCP inside that session.
    step = "TLS handshake with the proxy " + first.authority();
    outer_tls->async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code e) {
      if (e) return finish(e);
      if (tunnel) return open_tunnel(*outer_tls, *inner_tls);
      talk(*outer_tls);
    });
  };
  resolver.async_resolve(first.host, std::to_string(first.port), [&](boost::system::error_code e, net::ip::tcp::resolver::results_type r) {
    if (e) return finish(e);
    step = "connect " + name_of(first);
    net::async_connect(lowest, r, [&](boost::system::error_code e2, const net::ip::tcp::endpoint&) {
      if (e2) return finish(e2);
      connected_tcp();
    });
  });
  ioc.run();
  if (timed_out) return Status::timeout(step + ": no answer within " + std::to_string(options.timeout.count()) + " ms");
  if (ec == bhttp::error::body_limit)
    return Status::corruption(what + ": answer larger than " + std::to_string(options.body_limit) + " bytes");
  if (ec) return Status::unavailable(step + ": " + ec.message());
  if (!refused.empty()) return Status::unavailable(refused);
  return answer_of(parser.release());
}

}  // namespace coord::http_client
