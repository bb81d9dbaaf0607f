// The default transport: plain HTTP/1.1 over Beast (see http_exchange.hpp for the mechanics).
#include "client/src/http_exchange.hpp"

namespace coord {
namespace {

struct PlainPolicy {
  static constexpr const char* scheme = "http";
  using Stream = boost::beast::tcp_stream;
  struct Context {};

  static void emplace(std::optional<Stream>& stream, const boost::asio::any_io_executor& ex, Context&) {
    stream.emplace(ex);
  }
  template <class Handler>
  static void handshake(Stream&, const std::string&, Handler&& handler) {
    handler(boost::beast::error_code{});
  }
};

}  // namespace

std::shared_ptr<Transport> make_http_transport(boost::asio::any_io_executor executor, const ClientOptions& options) {
  return std::make_shared<detail::BasicHttpTransport<PlainPolicy>>(std::move(executor), options,
                                                                   std::make_shared<PlainPolicy::Context>());
}

}  // namespace coord
