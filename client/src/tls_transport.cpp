// The SDK's only translation unit that needs OpenSSL: the TLS policy of the Beast transport
// (Asio's SSL implementation is compiled once, in client/src/asio_ssl.cpp, part of coord_asio).
// A static link pulls this file in only when make_tls_transport is used.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <stdexcept>

#include "client/src/http_exchange.hpp"
#include "coord/tls.hpp"

namespace coord {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

struct TlsPolicy {
  static constexpr const char* scheme = "https";
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using Context = ssl::context;

  static void emplace(std::optional<Stream>& stream, const asio::any_io_executor& ex, Context& ctx) {
    stream.emplace(ex, ctx);
  }

  template <class Handler>
  static void handshake(Stream& stream, const std::string& host, Handler&& handler) {
    boost::system::error_code not_ip;
    asio::ip::make_address(host, not_ip);
    // SNI carries names only; an IP endpoint is checked against the certificate's IP SANs.
    if (not_ip) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(ssl::host_name_verification(host));
    stream.async_handshake(ssl::stream_base::client, std::forward<Handler>(handler));
  }
};

std::shared_ptr<ssl::context> make_context(const TlsOptions& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  try {
    if (tls.ca_file.empty()) {
      ctx->set_default_verify_paths();
    } else {
      ctx->load_verify_file(tls.ca_file);
    }
    if (!tls.cert_file.empty()) {
      ctx->use_certificate_chain_file(tls.cert_file);
      ctx->use_private_key_file(tls.key_file.empty() ? tls.cert_file : tls.key_file, ssl::context::pem);
    }
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(std::string("coord TLS setup: ") + e.what());
  }
  ctx->set_verify_mode(tls.verify_peer ? ssl::verify_peer : ssl::verify_none);
  return ctx;
}

// Routes each endpoint to the plain or the TLS transport by its scheme.
class DualTransport : public Transport {
 public:
  DualTransport(std::shared_ptr<Transport> plain, std::shared_ptr<Transport> tls)
      : plain_(std::move(plain)), tls_(std::move(tls)) {}

  std::function<void()> send(const std::string& endpoint, HttpRequest request, Deadline deadline,
                             Callback done) override {
    auto& t = tls_->supports(endpoint) ? tls_ : plain_;
    return t->send(endpoint, std::move(request), deadline, std::move(done));
  }
  bool supports(const std::string& endpoint) const override {
    return plain_->supports(endpoint) || tls_->supports(endpoint);
  }
  void shutdown() override {
    plain_->shutdown();
    tls_->shutdown();
  }

 private:
  std::shared_ptr<Transport> plain_, tls_;
};

}  // namespace

std::shared_ptr<Transport> make_tls_transport(asio::any_io_executor executor, const ClientOptions& options) {
  auto tls = std::make_shared<detail::BasicHttpTransport<TlsPolicy>>(executor, options, make_context(options.tls));
  return std::make_shared<DualTransport>(make_http_transport(executor, options), std::move(tls));
}

ClientOptions& enable_tls(ClientOptions& options) {
  options.transport_factory = &make_tls_transport;
  return options;
}

}  // namespace coord
