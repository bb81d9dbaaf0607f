// A blocking request over coord's transport (plain HTTP and, through make_tls_transport, https).
#include "examples/coordctl/http_get.hpp"

#include <boost/asio/io_context.hpp>
#include <future>

#include "coord/tls.hpp"

namespace coord::examples {
std::optional<HttpAnswer> http_call(const ClientOptions& options, const std::string& method, const std::string& url,
                                    const std::string& target, const std::string& json,
                                    std::chrono::milliseconds timeout, std::string* error) {
  boost::asio::io_context io;
  std::shared_ptr<Transport> transport;
  try {
    transport = make_tls_transport(io.get_executor(), options);
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
  HttpRequest request;
  request.method = method;
  request.target = target;
  request.body = json;
  if (!json.empty()) request.content_type = "application/json";
  if (!options.username.empty()) request.authorization = basic_authorization(options.username, options.password);
  std::optional<TransportResult> result;
  transport->send(url, std::move(request), std::chrono::steady_clock::now() + timeout,
                  [&](TransportResult r) { result = std::move(r); });
  // Until the exchange is over (not io.run(): the kept-alive connection's idle timer would hold
  // it for the idle timeout).
  while (!result && io.run_one() > 0) {
  }
  transport->shutdown();
  io.restart();
  io.poll();
  if (!result || result->status != TransportResult::Status::kOk) {
    if (error) *error = result ? result->detail : "no answer";
    return std::nullopt;
  }
  return HttpAnswer{result->response.status, std::move(result->response.body)};
}

}  // namespace coord::examples
