// EndpointUrl (see coord/endpoint_url.hpp): Boost.URL reads the RFC 3986 syntax; this file adds
// the rules of the header's table on top, in the table's order.
#include "coord/endpoint_url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>

namespace coord {

const UrlRules UrlRules::kListen{.ip_host_only = true, .port_zero_allowed = true, .extras_ignored = true};
const UrlRules UrlRules::kAdvertise{.port_zero_allowed = true, .extras_ignored = true};
const UrlRules UrlRules::kEndpoint{.scheme_optional = true, .port_required = false, .slash_allowed = true};
const UrlRules UrlRules::kService{.port_required = false, .path_allowed = true, .slash_allowed = true};

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::nullopt_t refuse(UrlError kind, const char* reason, UrlError* error, std::string* why) {
  if (error != nullptr) *error = kind;
  if (why != nullptr) *why = reason;
  return std::nullopt;
}

}  // namespace

std::optional<EndpointUrl> EndpointUrl::parse(std::string_view text, const UrlRules& rules, UrlError* error,
                                              std::string* why) {
  // "host:port" would read as scheme "host": the missing scheme is decided on "://" first.
  const bool has_scheme = text.find("://") != std::string_view::npos;
  if (!has_scheme && !rules.scheme_optional) return refuse(UrlError::kScheme, "the scheme must be http or https", error, why);
  const std::string full = has_scheme ? std::string(text) : "http://" + std::string(text);
  const auto parsed = boost::urls::parse_uri(full);
  if (!parsed) return refuse(UrlError::kSyntax, "not a URL", error, why);
  const boost::urls::url_view& u = *parsed;

  EndpointUrl out;
  out.text_ = std::string(text);
  out.scheme_ = lower(u.scheme());
  if (out.scheme_ != "http" && out.scheme_ != "https")
    return refuse(UrlError::kScheme, "the scheme must be http or https", error, why);
  if (u.has_userinfo() && !rules.extras_ignored) return refuse(UrlError::kUserinfo, "user information is not supported", error, why);
  out.host_ = std::string(u.encoded_host());
  if (out.host_.empty() || u.host_type() == boost::urls::host_type::ipvfuture)
    return refuse(UrlError::kHost, "no host", error, why);
  if (rules.ip_host_only && !out.host_is_address() && out.host_ != "localhost")
    return refuse(UrlError::kHost, "the host must be an IP address or localhost", error, why);

  out.port_written_ = u.has_port();
  if (out.port_written_) {
    const std::string_view p = u.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value > 65535 ||
        (value == 0 && !rules.port_zero_allowed))
      return refuse(UrlError::kPort, "the port must be a number from 1 to 65535", error, why);
    out.port_ = static_cast<std::uint16_t>(value);
  } else if (rules.port_required) {
    return refuse(UrlError::kPort, "no port", error, why);
  } else {
    out.port_ = out.is_tls() ? 443 : 80;
  }

  out.path_ = std::string(u.encoded_path());
  // RFC 3986 wants "/" or nothing after the authority, but Boost.URL 1.81 reads "h:1x" as port 1
  // and path "x": what follows the digits is part of a bad port.
  if (!out.path_.empty() && out.path_.front() != '/')
    return refuse(UrlError::kPort, "the port must be a number from 1 to 65535", error, why);
  if (!out.path_.empty() && !rules.path_allowed && !(out.path_ == "/" && rules.slash_allowed))
    return refuse(UrlError::kPath, "no path allowed", error, why);
  if ((u.has_query() || u.has_fragment()) && !rules.extras_ignored) return refuse(UrlError::kQuery, "no query or fragment allowed", error, why);
  return out;
}

std::string EndpointUrl::hostname() const {
  if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') return host_.substr(1, host_.size() - 2);
  return host_;
}

std::string EndpointUrl::authority() const { return host_ + ":" + std::to_string(port_); }

std::string EndpointUrl::normalized() const {
  return scheme_ + "://" + (port_written_ ? authority() : host_);
}

bool EndpointUrl::host_is_address() const {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(hostname(), not_ip);
  return !not_ip;
}

std::optional<boost::asio::ip::tcp::endpoint> EndpointUrl::tcp_endpoint() const {
  const std::string address_text = host_ == "localhost" ? "127.0.0.1" : hostname();
  boost::system::error_code not_ip;
  const auto address = boost::asio::ip::make_address(address_text, not_ip);
  if (not_ip) return std::nullopt;
  return boost::asio::ip::tcp::endpoint(address, port_);
}

}  // namespace coord
