// EndpointUrl: one case per rule of the table in coord/endpoint_url.hpp, in the table's order,
// each checked in the contexts where the rule differs.
#include "coord/endpoint_url.hpp"

#include <boost/test/unit_test.hpp>

using coord::EndpointUrl;
using coord::UrlError;
using coord::UrlRules;

namespace {

const UrlRules& kListen = UrlRules::kListen;
const UrlRules& kAdvertise = UrlRules::kAdvertise;
const UrlRules& kEndpoint = UrlRules::kEndpoint;
const UrlRules& kService = UrlRules::kService;

// The kind of refusal, or "accepted".
std::string verdict(const std::string& text, const UrlRules& rules) {
  UrlError error{};
  if (EndpointUrl::parse(text, rules, &error)) return "accepted";
  switch (error) {
    case UrlError::kScheme: return "scheme";
    case UrlError::kSyntax: return "syntax";
    case UrlError::kUserinfo: return "userinfo";
    case UrlError::kHost: return "host";
    case UrlError::kPort: return "port";
    case UrlError::kPath: return "path";
    case UrlError::kQuery: return "query";
  }
  return "?";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint_url)

BOOST_AUTO_TEST_CASE(fields__scheme_host_port_and_text) {
  const auto u = EndpointUrl::parse("https://node-a:2380", kAdvertise);
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->text() == "https://node-a:2380");
  BOOST_TEST(u->scheme() == "https");
  BOOST_TEST(u->is_tls());
  BOOST_TEST(u->host() == "node-a");
  BOOST_TEST(u->port() == 2380);
  BOOST_TEST(u->authority() == "node-a:2380");
  BOOST_TEST(u->normalized() == "https://node-a:2380");
  BOOST_TEST(!u->host_is_address());
  BOOST_TEST(!u->tcp_endpoint().has_value());  // no name lookup
}

BOOST_AUTO_TEST_CASE(missing_scheme__is_http_for_an_endpoint_only) {
  for (const auto* rules : {&kListen, &kAdvertise, &kService}) BOOST_TEST(verdict("127.0.0.1:2379", *rules) == "scheme");
  const auto u = EndpointUrl::parse("127.0.0.1:2379", kEndpoint);
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->scheme() == "http");
  BOOST_TEST(u->text() == "127.0.0.1:2379");
  BOOST_TEST(u->normalized() == "http://127.0.0.1:2379");
  BOOST_TEST(EndpointUrl::parse("localhost:2379", kEndpoint)->host() == "localhost");  // not scheme "localhost"
}

BOOST_AUTO_TEST_CASE(unknown_scheme__is_refused_everywhere) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService})
    for (const char* text : {"ftp://127.0.0.1:1", "unix://127.0.0.1:1", "unixs://127.0.0.1:1", "httpx://127.0.0.1:1"})
      BOOST_TEST(verdict(text, *rules) == "scheme", text);
}

BOOST_AUTO_TEST_CASE(uppercase_scheme__is_read_in_lower_case) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService}) {
    const auto u = EndpointUrl::parse("HTTPS://127.0.0.1:2379", *rules);
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(u->scheme() == "https");
    BOOST_TEST(u->normalized() == "https://127.0.0.1:2379");
    BOOST_TEST(u->text() == "HTTPS://127.0.0.1:2379");
  }
  // What etcd keeps of a URL it was given: the text, only the scheme in lower case (the host's
  // case and the ignored extras stay).
  BOOST_TEST(EndpointUrl::parse("Http://Node-A:1?q", kAdvertise)->text_with_lower_case_scheme() == "http://Node-A:1?q");
}

BOOST_AUTO_TEST_CASE(ipv6__brackets_kept_in_host_and_stripped_in_hostname) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService}) {
    const auto u = EndpointUrl::parse("http://[::1]:2379", *rules);
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(u->host() == "[::1]");
    BOOST_TEST(u->hostname() == "::1");
    BOOST_TEST(u->authority() == "[::1]:2379");
    BOOST_TEST(u->host_is_address());
    BOOST_REQUIRE(u->tcp_endpoint().has_value());
    BOOST_TEST(u->tcp_endpoint()->address().to_string() == "::1");
    BOOST_TEST(u->tcp_endpoint()->port() == 2379);
  }
  BOOST_TEST(verdict("http://::1:2379", kEndpoint) != "accepted");  // IPv6 needs its brackets
  BOOST_TEST(verdict("http://[::1:2379", kEndpoint) == "syntax");
}

BOOST_AUTO_TEST_CASE(missing_port__is_the_schemes_default_for_endpoints_and_services_only) {
  BOOST_TEST(verdict("http://127.0.0.1", kListen) == "port");
  BOOST_TEST(verdict("http://127.0.0.1", kAdvertise) == "port");
  BOOST_TEST(EndpointUrl::parse("http://h", kEndpoint)->port() == 80);
  BOOST_TEST(EndpointUrl::parse("https://h", kEndpoint)->port() == 443);
  BOOST_TEST(EndpointUrl::parse("https://h/t", kService)->port() == 443);
  // The default port is used, but the endpoint keeps its spelling.
  BOOST_TEST(EndpointUrl::parse("http://h", kEndpoint)->authority() == "h:80");
  BOOST_TEST(EndpointUrl::parse("http://h", kEndpoint)->normalized() == "http://h");
  // A colon without digits is no port at all.
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService}) BOOST_TEST(verdict("http://127.0.0.1:", *rules) == "port");
}

BOOST_AUTO_TEST_CASE(port_zero__binds_any_port_and_is_taken_as_etcd_does_but_never_dialed) {
  const auto listen = EndpointUrl::parse("http://127.0.0.1:0", kListen);
  BOOST_REQUIRE(listen.has_value());
  BOOST_TEST(listen->port() == 0);
  BOOST_TEST(listen->tcp_endpoint()->port() == 0);
  BOOST_TEST(verdict("http://127.0.0.1:0", kAdvertise) == "accepted");
  BOOST_TEST(verdict("http://127.0.0.1:0", kEndpoint) == "port");
  BOOST_TEST(verdict("http://127.0.0.1:0/t", kService) == "port");
}

BOOST_AUTO_TEST_CASE(port_above_65535__is_refused_everywhere) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService}) {
    BOOST_TEST(verdict("http://127.0.0.1:65536", *rules) == "port");
    BOOST_TEST(verdict("http://127.0.0.1:99999999999", *rules) == "port");
  }
  BOOST_TEST(EndpointUrl::parse("http://127.0.0.1:65535", kEndpoint)->port() == 65535);
}

BOOST_AUTO_TEST_CASE(non_digit_port__is_refused_everywhere) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService})
    for (const char* text : {"http://127.0.0.1:x1", "http://127.0.0.1:1x", "http://127.0.0.1:-1", "http://127.0.0.1:+1"})
      BOOST_TEST(verdict(text, *rules) != "accepted", text);
}

BOOST_AUTO_TEST_CASE(path__only_a_service_url_has_one) {
  BOOST_TEST(verdict("http://127.0.0.1:1/v2/keys", kListen) == "path");
  BOOST_TEST(verdict("http://127.0.0.1:1/v2/keys", kAdvertise) == "path");
  BOOST_TEST(verdict("http://127.0.0.1:1/v2/keys", kEndpoint) == "path");
  const auto u = EndpointUrl::parse("http://127.0.0.1:1/v2/keys/discovery/abc", kService);
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->path() == "/v2/keys/discovery/abc");
  BOOST_TEST(u->normalized() == "http://127.0.0.1:1");
}

BOOST_AUTO_TEST_CASE(trailing_slash__is_a_path_to_etcds_flags_and_dropped_from_an_endpoint) {
  BOOST_TEST(verdict("http://127.0.0.1:1/", kListen) == "path");
  BOOST_TEST(verdict("http://127.0.0.1:1/", kAdvertise) == "path");
  BOOST_TEST(EndpointUrl::parse("http://127.0.0.1:1/", kEndpoint)->normalized() == "http://127.0.0.1:1");
  BOOST_TEST(verdict("http://127.0.0.1:1/", kService) == "accepted");
  BOOST_TEST(verdict("http://127.0.0.1:1//", kEndpoint) == "path");
}

BOOST_AUTO_TEST_CASE(query_and_fragment__ignored_by_etcds_flags_refused_elsewhere) {
  for (const char* text : {"http://127.0.0.1:1?a=b", "http://127.0.0.1:1#f"}) {
    BOOST_TEST(verdict(text, kListen) == "accepted", text);
    BOOST_TEST(verdict(text, kAdvertise) == "accepted", text);
    BOOST_TEST(verdict(text, kEndpoint) == "query", text);
  }
  BOOST_TEST(verdict("http://127.0.0.1:1/t?a=b", kService) == "query");
  const auto u = EndpointUrl::parse("http://127.0.0.1:1?a=b", kAdvertise);
  BOOST_TEST(u->text() == "http://127.0.0.1:1?a=b");
  BOOST_TEST(u->normalized() == "http://127.0.0.1:1");
}

BOOST_AUTO_TEST_CASE(userinfo__ignored_by_etcds_flags_refused_elsewhere) {
  BOOST_TEST(verdict("http://u:p@127.0.0.1:1", kListen) == "accepted");
  const auto u = EndpointUrl::parse("http://u:p@node-a:1", kAdvertise);
  BOOST_REQUIRE(u.has_value());
  BOOST_TEST(u->host() == "node-a");  // the user information is no part of the host
  BOOST_TEST(u->normalized() == "http://node-a:1");
  BOOST_TEST(verdict("http://u:p@127.0.0.1:1", kEndpoint) == "userinfo");
  BOOST_TEST(verdict("http://u@127.0.0.1:1/t", kService) == "userinfo");
}

BOOST_AUTO_TEST_CASE(empty_host__is_refused_everywhere) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService}) {
    BOOST_TEST(verdict("http://:2379", *rules) == "host");
    BOOST_TEST(verdict("http://", *rules) != "accepted");
  }
  BOOST_TEST(verdict(":2379", kEndpoint) != "accepted");
}

BOOST_AUTO_TEST_CASE(localhost__is_accepted_everywhere_and_binds_127_0_0_1) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService}) {
    const auto u = EndpointUrl::parse("http://localhost:2379", *rules);
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(u->host() == "localhost");
    BOOST_TEST(!u->host_is_address());
    BOOST_REQUIRE(u->tcp_endpoint().has_value());
    BOOST_TEST(u->tcp_endpoint()->address().to_string() == "127.0.0.1");
  }
}

BOOST_AUTO_TEST_CASE(host_name__refused_for_listening_allowed_for_advertising) {
  BOOST_TEST(verdict("http://node-a:2380", kListen) == "host");
  BOOST_TEST(verdict("http://127.1:2380", kListen) == "host");  // not an IP address literal
  BOOST_TEST(verdict("http://0.0.0.0:2380", kListen) == "accepted");
  BOOST_TEST(verdict("http://[::]:2380", kListen) == "accepted");
  BOOST_TEST(verdict("http://node-a:2380", kAdvertise) == "accepted");
  BOOST_TEST(verdict("http://node-a.example.com:2379", kEndpoint) == "accepted");
  BOOST_TEST(verdict("https://discovery.etcd.io/abc", kService) == "accepted");
}

BOOST_AUTO_TEST_CASE(not_a_url__is_a_syntax_error) {
  for (const auto* rules : {&kListen, &kAdvertise, &kEndpoint, &kService})
    for (const char* text : {"http://127.0.0.1:1 ", "http://a b:1", "http://[fe80::1%25eth0]:1"})
      BOOST_TEST(verdict(text, *rules) == "syntax", text);
}

BOOST_AUTO_TEST_CASE(refusals__say_why) {
  std::string why;
  BOOST_TEST(!EndpointUrl::parse("http://127.0.0.1:0", kEndpoint, nullptr, &why).has_value());
  BOOST_TEST(why == "the port must be a number from 1 to 65535");
}

BOOST_AUTO_TEST_SUITE_END()
