#include "server/http/member_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "server/http/url.hpp"

namespace coord::http {

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
      const std::string url(u.as_string().c_str());
      const auto scheme = url.substr(0, url.find("://"));
      if (url.find("://") == std::string::npos ||
          (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs"))
        return MemberRequestError{400, "URL scheme must be http, https, unix, or unixs: " + url};
      urls.push_back(url);
    }
  return urls;
}

}  // namespace coord::http
