// parse_member_peer_urls: the body of a members POST/PUT is checked as etcd 3.4 checks it, with
// its messages (compared with a running etcd 3.4): an empty or missing peer URL list is refused
// (a member nobody can reach would cost a one-member cluster its quorum for good), and so is a
// URL without host:port or with a path; surrounding spaces are trimmed. Peer URLs are advertised URLs
// (coord/endpoint_url.hpp), so unix://, an empty host and an empty port, which etcd takes, are refused.
#include "server/http/member_request.hpp"

#include <boost/test/unit_test.hpp>

using namespace coord::http;

namespace {

std::string refusal(std::string_view body) {
  auto r = parse_member_peer_urls("application/json", body);
  if (auto* e = std::get_if<MemberRequestError>(&r)) return std::to_string(e->status) + " " + e->message;
  return "accepted";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(member_request)

BOOST_AUTO_TEST_CASE(no_peer_url__is_refused_with_etcds_message) {
  BOOST_TEST(refusal(R"({"peerURLs":[]})") == "400 no valid URLs given");
  BOOST_TEST(refusal(R"({})") == "400 no valid URLs given");
  BOOST_TEST(refusal(R"({"peerURLs":null})") == "400 no valid URLs given");
  BOOST_TEST(refusal(R"(null)") == "400 no valid URLs given");
}

BOOST_AUTO_TEST_CASE(url_without_host_port_or_with_a_path__is_refused) {
  BOOST_TEST(refusal(R"({"peerURLs":["http://127.0.0.1"]})") ==
             "400 URL address does not have the form \"host:port\": http://127.0.0.1");
  BOOST_TEST(refusal(R"({"peerURLs":["http://127.0.0.1:1/x"]})") == "400 URL must not contain a path: http://127.0.0.1:1/x");
  BOOST_TEST(refusal(R"({"peerURLs":["http://127.0.0.1:1/"]})") == "400 URL must not contain a path: http://127.0.0.1:1/");
  BOOST_TEST(refusal(R"({"peerURLs":["ftp://127.0.0.1:1"]})") ==
             "400 URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:1");
  // etcd takes these three; coordd could never dial them.
  BOOST_TEST(refusal(R"({"peerURLs":["unix://127.0.0.1:1"]})") ==
             "400 URL scheme must be http, https, unix, or unixs: unix://127.0.0.1:1");
  BOOST_TEST(refusal(R"({"peerURLs":["http://:1"]})") == "400 URL address does not have the form \"host:port\": http://:1");
  BOOST_TEST(refusal(R"({"peerURLs":["http://h:"]})") == "400 URL address does not have the form \"host:port\": http://h:");
}

BOOST_AUTO_TEST_CASE(valid_urls__are_trimmed_and_kept_in_order) {
  auto r = parse_member_peer_urls("application/json", R"({"peerURLs":[" http://127.0.0.1:5 ","https://[::1]:7","http://u@h:9?q"]})");
  auto* urls = std::get_if<std::vector<std::string>>(&r);
  BOOST_REQUIRE(urls != nullptr);
  BOOST_TEST(*urls == (std::vector<std::string>{"http://127.0.0.1:5", "https://[::1]:7", "http://u@h:9?q"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_scheme_in_upper_case__is_kept_in_lower_case_as_etcd_keeps_it) {
  auto r = parse_member_peer_urls("application/json", R"({"peerURLs":["HTTP://Node-A:5","Https://[::1]:7"]})");
  auto* urls = std::get_if<std::vector<std::string>>(&r);
  BOOST_REQUIRE(urls != nullptr);
  BOOST_TEST(*urls == (std::vector<std::string>{"http://Node-A:5", "https://[::1]:7"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
