// The pieces of KeysClient that need no network: discovery and proxy URLs as etcd reads them,
// escaping, and reading keys API answers (success, error, and what is not the keys API).
#include "server/discovery/keys_client.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using coord::discovery::KeysAnswer;
using coord::discovery::ServiceUrl;

BOOST_AUTO_TEST_SUITE(discovery_keys_client)

BOOST_AUTO_TEST_CASE(service_url__splits_host_port_and_token_path) {
  auto u = ServiceUrl::parse("http://127.0.0.1:2379/v2/keys/discovery/abc/");
  BOOST_REQUIRE(u.is_ok());
  BOOST_TEST(u->host == "127.0.0.1");
  BOOST_TEST(u->port == 2379);
  BOOST_TEST(u->path == "/v2/keys/discovery/abc");
  auto named = ServiceUrl::parse("http://discovery.example/0123abcd");
  BOOST_REQUIRE(named.is_ok());
  BOOST_TEST(named->port == 80);
  BOOST_TEST(named->authority() == "discovery.example:80");
  auto secure = ServiceUrl::parse("https://discovery.etcd.io/abc");
  BOOST_REQUIRE(secure.is_ok());
  BOOST_TEST(secure->tls);
  BOOST_TEST(secure->port == 443);
  BOOST_TEST(!named->tls);
  auto v6 = ServiceUrl::parse("http://[::1]:8087/t");
  BOOST_REQUIRE(v6.is_ok());
  BOOST_TEST(v6->host == "::1");
  BOOST_TEST(v6->authority() == "[::1]:8087");
}

BOOST_AUTO_TEST_CASE(service_url__refuses_what_it_cannot_use) {
  for (const char* bad : {"ftp://h/t", "h:1/t", "http://:80/t", "http://h:0/t",
                          "http://h:99999/t", "http://h:1/t?x=1", "http://u@h:1/t", "http://[::1/t"})
    BOOST_TEST(!ServiceUrl::parse(bad).is_ok(), bad);
}

BOOST_AUTO_TEST_CASE(proxy_url__without_a_scheme_means_http_and_https_is_a_tls_proxy) {
  auto p = ServiceUrl::parse_proxy("127.0.0.1:3128");
  BOOST_REQUIRE(p.is_ok());
  BOOST_TEST(p->authority() == "127.0.0.1:3128");
  BOOST_TEST(ServiceUrl::parse_proxy("http://proxy:8080").is_ok());
  auto secure = ServiceUrl::parse_proxy("https://proxy:8443");  // an https proxy: TLS with the proxy
  BOOST_REQUIRE(secure.is_ok());
  BOOST_TEST(secure->tls);
  BOOST_TEST(secure->authority() == "proxy:8443");
  BOOST_TEST(ServiceUrl::parse_proxy("https://proxy")->port == 443);
}

BOOST_AUTO_TEST_CASE(escaping__keeps_paths_and_encodes_form_values) {
  BOOST_TEST(coord::discovery::escape_path("/v2/keys/a b") == "/v2/keys/a%20b");
  BOOST_TEST(coord::discovery::escape_form("m1=http://h:1,m1=http://h:2") == "m1%3Dhttp%3A%2F%2Fh%3A1%2Cm1%3Dhttp%3A%2F%2Fh%3A2");
}

BOOST_AUTO_TEST_CASE(keys_body__success_error_and_foreign_answers) {
  KeysAnswer ok;
  BOOST_TEST(coord::discovery::parse_keys_body(
      R"({"action":"get","node":{"key":"/t","dir":true,"nodes":[{"key":"/t/a","value":"a=http://h:1","createdIndex":7,"modifiedIndex":8}],"createdIndex":4,"modifiedIndex":4}})",
      ok));
  BOOST_REQUIRE(ok.node);
  BOOST_TEST(ok.node->dir);
  BOOST_REQUIRE(ok.node->nodes.size() == 1u);
  BOOST_TEST(ok.node->nodes[0].value == "a=http://h:1");
  BOOST_TEST(ok.node->nodes[0].created_index == 7u);
  KeysAnswer error;
  BOOST_TEST(coord::discovery::parse_keys_body(R"({"errorCode":100,"message":"Key not found","cause":"/t","index":3})", error));
  BOOST_TEST(error.error_code == 100);
  BOOST_TEST(error.message == "Key not found");
  for (const char* foreign : {"<html>hello</html>", "", "[]", "{}", R"({"action":"get"})", R"({"errorCode":"x"})",
                              R"({"action":"get","node":{"nodes":[1]}})"}) {
    KeysAnswer a;
    BOOST_TEST(!coord::discovery::parse_keys_body(foreign, a), foreign);
  }
  // Hostile bytes from a service: deep nesting, binary, truncated.
  std::vector<std::string> hostile = {std::string(100000, '['), std::string("{\"action\":\"get\",\"node\":") + std::string(5000, '{'),
                                      std::string("\x00\xff\xfe{\"node\"", 9), R"({"action":"get","node":{"key":"/t","nodes":[{"key":)"};
  for (const auto& bytes : hostile) {
    KeysAnswer a;
    BOOST_TEST(!coord::discovery::parse_keys_body(bytes, a), "accepted " << bytes.size() << " hostile bytes");
  }
  // A field of the wrong type is dropped, not guessed at (a registration left without a value is
  // then up to nodes_to_cluster's URL checks), and a negative index reads as none (0).
  KeysAnswer wrong_types;
  BOOST_REQUIRE(coord::discovery::parse_keys_body(
      R"({"action":"get","node":{"key":"/t","dir":true,"nodes":[{"key":"/t/a","value":7,"createdIndex":-1}]}})", wrong_types));
  BOOST_REQUIRE(wrong_types.node);
  BOOST_REQUIRE(wrong_types.node->nodes.size() == 1u);
  BOOST_TEST(wrong_types.node->nodes[0].value.empty());
  BOOST_TEST(wrong_types.node->nodes[0].created_index == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
