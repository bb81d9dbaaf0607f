#include "server/http/member_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <optional>

#include "server/http/url.hpp"

namespace coord::http {
namespace {

std::string trim_spaces(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// True when `host` has the form "host:port" or "[v6]:port" (Go's net.SplitHostPort; the port
// may be empty).
bool has_host_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return close != std::string_view::npos && close + 1 < host.size() && host[close + 1] == ':' &&
           host.find(':', close + 2) == std::string_view::npos;
  }
  const auto colon = host.find(':');
  return colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos &&
         host.find_first_of("[]") == std::string_view::npos;
}

// etcd's checks of one peer URL (types.NewURLs), with its messages; nullopt when it passes.
std::optional<std::string> check_peer_url(const std::string& url) {
  const auto sep = url.find("://");
  const auto scheme = url.substr(0, sep);
  if (sep == std::string::npos || (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs"))
    return "URL scheme must be http, https, unix, or unixs: " + url;
  const std::string_view rest = std::string_view(url).substr(sep + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, authority_end);
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (!has_host_port(host)) return "URL address does not have the form \"host:port\": " + url;
  if (authority_end != std::string_view::npos && rest[authority_end] == '/')
    return "URL must not contain a path: " + url;
  return std::nullopt;
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
      std::string url = trim_spaces(u.as_string().c_str());
      if (auto refused = check_peer_url(url)) return MemberRequestError{400, std::move(*refused)};
      urls.push_back(std::move(url));
    }
  // A member without a peer URL could never be reached: in a one-member cluster, adding it
  // would lose the quorum for good. etcd refuses an empty or missing list with this message.
  if (urls.empty()) return MemberRequestError{400, "no valid URLs given"};
  return urls;
}

}  // namespace coord::http
