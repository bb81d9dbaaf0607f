#include "test/bench/coord_bench/control_client.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace coord::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

ControlClient::ControlClient(const Endpoint& endpoint, net::ip::tcp::endpoint address)
    : endpoint_(endpoint), address_(address) {}

ControlAnswer ControlClient::call(const std::string& method, const std::string& target,
                                  const std::string& body) {
  ControlAnswer answer = call_once(method, target, body);
  if (answer.status == 0) answer = call_once(method, target, body);
  return answer;
}

ControlAnswer ControlClient::call_once(const std::string& method, const std::string& target,
                                       const std::string& body) {
  ControlAnswer answer;
  beast::error_code ec;
  if (!stream_) {
    stream_.emplace(ioc_);
    stream_->socket().connect(address_, ec);
    if (ec) {
      stream_.reset();
      answer.error = "connect: " + ec.message();
      return answer;
    }
  }
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, endpoint_.host_header);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
  }
  req.prepare_payload();
  http::write(*stream_, req, ec);
  http::response<http::string_body> res;
  if (!ec) http::read(*stream_, buffer_, res, ec);
  if (ec) {
    stream_.reset();
    buffer_.clear();
    answer.error = ec.message();
    return answer;
  }
  answer.status = res.result_int();
  answer.body = std::move(res.body());
  if (!res.keep_alive()) stream_.reset();
  return answer;
}

namespace {
std::optional<boost::json::value> parse_json(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v;
}
}  // namespace

std::optional<std::uint64_t> modified_index_of(const std::string& body) {
  auto v = parse_json(body);
  if (!v) return std::nullopt;
  const auto* node = v->as_object().if_contains("node");
  if (!node || !node->is_object()) return std::nullopt;
  const auto* index = node->as_object().if_contains("modifiedIndex");
  if (!index) return std::nullopt;
  if (index->is_uint64()) return index->as_uint64();
  if (index->is_int64()) return static_cast<std::uint64_t>(index->as_int64());
  return std::nullopt;
}

std::optional<std::int64_t> watchers_of(const std::string& body) {
  auto v = parse_json(body);
  if (!v) return std::nullopt;
  const auto* w = v->as_object().if_contains("watchers");
  if (!w) return std::nullopt;
  if (w->is_int64()) return w->as_int64();
  if (w->is_uint64()) return static_cast<std::int64_t>(w->as_uint64());
  return std::nullopt;
}

}  // namespace coord::bench
