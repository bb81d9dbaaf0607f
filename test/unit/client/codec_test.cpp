#include <boost/test/unit_test.hpp>

#include "client/src/codec.hpp"
#include "coord/transport.hpp"

using namespace coord;
using namespace coord::detail;

BOOST_AUTO_TEST_SUITE(client_codec)

BOOST_AUTO_TEST_CASE(keys_target__percent_encodes_but_keeps_slashes) {
  BOOST_TEST(keys_target("/a b/c") == "/v2/keys/a%20b/c");
  BOOST_TEST(keys_target("x") == "/v2/keys/x");
  BOOST_TEST(keys_target("/q?&=%") == "/v2/keys/q%3F%26%3D%25");
  BOOST_TEST(keys_target("/é") == "/v2/keys/%C3%A9");
}

BOOST_AUTO_TEST_CASE(form_encode__escapes_names_and_values) {
  BOOST_TEST(form_encode({{"value", "a b&c=d"}, {"ttl", "5"}}) == "value=a%20b%26c%3Dd&ttl=5");
  BOOST_TEST(form_encode({}) == "");
}

BOOST_AUTO_TEST_CASE(base64__matches_rfc4648_vectors) {
  BOOST_TEST(base64("") == "");
  BOOST_TEST(base64("f") == "Zg==");
  BOOST_TEST(base64("fo") == "Zm8=");
  BOOST_TEST(base64("foo") == "Zm9v");
  BOOST_TEST(base64("root:secret") == "cm9vdDpzZWNyZXQ=");
}

BOOST_AUTO_TEST_CASE(basic_authorization__is_basic_and_the_base64_of_user_colon_password) {
  BOOST_TEST(basic_authorization("root", "secret") == "Basic cm9vdDpzZWNyZXQ=");
  // A colon in the password stays (the server splits at the first one); empty parts are kept.
  BOOST_TEST(basic_authorization("u", "a:b") == "Basic dTphOmI=");
  BOOST_TEST(basic_authorization("", "") == "Basic Og==");
}

BOOST_AUTO_TEST_CASE(parse_keys_response__reads_nested_nodes_prev_node_and_headers) {
  HttpResponse http;
  http.status = 200;
  http.headers = {{"x-etcd-index", "42"}, {"x-raft-index", "77"}, {"x-raft-term", "3"}};
  http.body =
      R"({"action":"get","node":{"key":"/d","dir":true,"nodes":[{"key":"/d/a","value":"1","expiration":"2026-11-21T20:56:06Z","ttl":5,"modifiedIndex":9,"createdIndex":8},)"
      R"({"key":"/d/b","dir":true,"nodes":[{"key":"/d/b/c","value":"","modifiedIndex":10,"createdIndex":10}],"modifiedIndex":10,"createdIndex":10}],"modifiedIndex":7,"createdIndex":7},)"
      R"("prevNode":{"key":"/d","dir":true,"modifiedIndex":6,"createdIndex":6}})"
      "\n";
  Response r = parse_keys_response(http);
  BOOST_TEST(r.action == "get");
  BOOST_TEST(r.etcd_index == 42u);
  BOOST_TEST(r.raft_index == 77u);
  BOOST_TEST(r.raft_term == 3u);
  BOOST_TEST(r.node.dir);
  BOOST_TEST(!r.node.value.has_value());
  BOOST_REQUIRE_EQUAL(r.node.nodes.size(), 2u);
  BOOST_TEST(*r.node.nodes[0].value == "1");
  BOOST_TEST(*r.node.nodes[0].ttl == 5);
  BOOST_TEST(r.node.nodes[0].expiration == "2026-11-21T20:56:06Z");
  BOOST_TEST(r.node.nodes[0].created_index == 8u);
  BOOST_TEST(r.node.nodes[0].modified_index == 9u);
  BOOST_TEST(*r.node.nodes[1].nodes[0].value == "");
  BOOST_REQUIRE(r.prev_node.has_value());
  BOOST_TEST(r.prev_node->modified_index == 6u);
}

BOOST_AUTO_TEST_CASE(parse_keys_response__throws_etcd_error_with_all_fields) {
  HttpResponse http;
  http.status = 412;
  http.body = R"({"errorCode":101,"message":"Compare failed","cause":"[two != one]","index":16})";
  try {
    parse_keys_response(http);
    BOOST_FAIL("no throw");
  } catch (const Error& e) {
    BOOST_TEST(e.error_code() == 101);
    BOOST_TEST(e.message() == "Compare failed");
    BOOST_TEST(e.cause() == "[two != one]");
    BOOST_TEST(e.index() == 16u);
    BOOST_TEST(e.http_status() == 412);
  }
}

BOOST_AUTO_TEST_CASE(parse_keys_response__non_etcd_body_is_a_protocol_error) {
  HttpResponse http;
  http.status = 404;
  http.body = "404 page not found\n";
  try {
    parse_keys_response(http);
    BOOST_FAIL("no throw");
  } catch (const TransportError& e) {
    BOOST_TEST((e.kind() == TransportError::Kind::kProtocol));
  }
}

BOOST_AUTO_TEST_CASE(parse_members__reads_ids_names_and_urls) {
  auto members = parse_members(
      R"({"members":[{"id":"2e1259d415f2a040","name":"default","peerURLs":["http://127.0.0.1:23800"],"clientURLs":["http://127.0.0.1:23790"]},)"
      R"({"id":"bac5726c3570298","name":"","peerURLs":["http://127.0.0.1:23801"],"clientURLs":[]}]})");
  BOOST_REQUIRE_EQUAL(members.size(), 2u);
  BOOST_TEST(members[0].id == "2e1259d415f2a040");
  BOOST_TEST(members[0].client_urls.at(0) == "http://127.0.0.1:23790");
  BOOST_TEST(members[1].client_urls.empty());
  HttpResponse gone;
  gone.status = 410;
  gone.body = "{\"message\":\"Member permanently removed: bac5726c3570298\"}\n";
  auto err = members_error(gone);
  BOOST_TEST(err.error_code() == 0);
  BOOST_TEST(err.http_status() == 410);
  BOOST_TEST(err.message() == "Member permanently removed: bac5726c3570298");
}

BOOST_AUTO_TEST_SUITE_END()
