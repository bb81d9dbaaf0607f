#include "test/support/tls/tls_probe.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>

namespace coord::test {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string normalize_serial(std::string hex) {
  for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto first = hex.find_first_not_of('0');
  return first == std::string::npos ? "0" : hex.substr(first);
}

namespace {

std::string serial_of(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return {};
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = normalize_serial(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  X509_free(cert);
  return out;
}

}  // namespace

TlsResult tls_get(int port, const std::string& target, const TlsClientSettings& s, std::chrono::milliseconds timeout) {
  TlsResult result;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  if (s.max_tls_1_1) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_1_VERSION);
    SSL_CTX_set_security_level(ctx.native_handle(), 0);  // OpenSSL 3 refuses TLS 1.1 at level 1
  }
  if (!s.ca_file.empty()) {
    ctx.load_verify_file(s.ca_file, ec);
    ctx.set_verify_mode(ssl::verify_peer);
  }
  if (!s.cert_file.empty()) {
    ctx.use_certificate_chain_file(s.cert_file, ec);
    ctx.use_private_key_file(s.key_file, ssl::context::pem, ec);
  }
  if (ec) {
    result.error = "client setup: " + ec.message();
    return result;
  }
  net::io_context ioc;
  ssl::stream<beast::tcp_stream> stream(ioc, ctx);
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> request{bhttp::verb::get, target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  bhttp::response<bhttp::string_body> response;
  auto fail = [&](const char* where, const boost::system::error_code& e) {
    if (result.error.empty()) result.error = std::string(where) + ": " + e.message();
  };
  const net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  stream.next_layer().expires_after(timeout);
  stream.next_layer().async_connect(endpoint, [&](boost::system::error_code e) {
    if (e) return fail("connect", e);
    stream.async_handshake(ssl::stream_base::client, [&](boost::system::error_code e2) {
      if (e2) return fail("handshake", e2);
      result.handshake = true;
      result.server_serial = serial_of(stream.native_handle());
      bhttp::async_write(stream, request, [&](boost::system::error_code e3, std::size_t) {
        if (e3) return fail("write", e3);
        bhttp::async_read(stream, buffer, response, [&](boost::system::error_code e4, std::size_t) {
          if (e4) return fail("read", e4);
          result.status = static_cast<int>(response.result_int());
          result.body = response.body();
        });
      });
    });
  });
  ioc.run();
  return result;
}

}  // namespace coord::test
