#include "server/http/member_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "coord/endpoint_url.hpp"
#include "server/http/url.hpp"

namespace coord::http {
namespace {

std::string trim_spaces(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// etcd's message for a peer URL its checks (types.NewURLs) refuse. A peer URL is an advertised
// URL (coord/endpoint_url.hpp): unix:// and unixs://, an empty host and an empty port, which etcd
// also takes, are refused, as coordd could never dial them.
std::string refusal(UrlError error, const std::string& url) {
  switch (error) {
    case UrlError::kScheme: return "URL scheme must be http, https, unix, or unixs: " + url;
    case UrlError::kPath: return "URL must not contain a path: " + url;
    default: return "URL address does not have the form \"host:port\": " + url;
  }
}

}  // namespace

std::variant<std::vector<std::string>, MemberRequestError> parse_member_peer_urls(std::string_view content_type,
                                                                                  std::string_view body) {
  namespace json = boost::json;
  std::string type, error;
  parse_media_type(content_type, type, error);
  if (type != "application/json")
    return MemberRequestError{415, "Bad Content-Type " + std::string(content_type) + ", accept application/json"};
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return MemberRequestError{400, "invalid character in member request: " + ec.message()};
  std::vector<std::string> urls;
  const auto* list = parsed.is_object() ? parsed.as_object().if_contains("peerURLs") : nullptr;
  if (list != nullptr && list->is_array())
    for (const auto& u : list->as_array()) {
      if (!u.is_string()) return MemberRequestError{400, "json: cannot unmarshal peerURLs"};
      const std::string url = trim_spaces(u.as_string().c_str());
      UrlError error{};
      const auto parsed = EndpointUrl::parse(url, UrlRules::kAdvertise, &error);
      if (!parsed) return MemberRequestError{400, refusal(error, url)};
      // "HTTP://h:1" and "http://h:1" are one peer URL, as in etcd (member ids hash them).
      urls.push_back(parsed->text_with_lower_case_scheme());
    }
  // A member without a peer URL could never be reached: in a one-member cluster, adding it
  // would lose the quorum for good. etcd refuses an empty or missing list with this message.
  if (urls.empty()) return MemberRequestError{400, "no valid URLs given"};
  return urls;
}

}  // namespace coord::http
