#include "server/proxy/proxy_router.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace coord::proxy {

namespace bhttp = boost::beast::http;

ProxyRouter::ProxyRouter(ForwardContext context, bool readonly) : context_(std::move(context)), readonly_(readonly) {}

void ProxyRouter::route(http::HttpRequest request, std::shared_ptr<http::Session> session) {
  const auto method = request.method();
  if (readonly_ && method != bhttp::verb::get) {
    http::Reply r{501, {}, {}, {}};
    r.bare = true;  // etcd's readonly wrapper answers before its CORS handler
    return session->reply(std::move(r));
  }
  if (method == bhttp::verb::options) return session->reply(http::Reply{200, {}, {}, {}});
  const auto target = request.target();
  if (target == "/v2/config/local/proxy") {
    if (method != bhttp::verb::get) return session->reply(http::method_not_allowed_reply("GET"));
    return session->reply(config_reply());
  }
  std::make_shared<Forward>(context_, std::move(request), std::move(session))->start();
}

http::Reply ProxyRouter::config_reply() const {
  boost::json::array endpoints;
  for (const auto& url : context_.endpoints.available_urls()) endpoints.emplace_back(url);
  // As etcd's json.Encoder: a trailing newline, and Go's sniffed content type.
  return http::Reply{200, http::kText, boost::json::serialize(boost::json::object{{"endpoints", std::move(endpoints)}}) + "\n", {}};
}

}  // namespace coord::proxy
