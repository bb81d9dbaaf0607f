// The client API's router and handlers in process: a Router over a FakeNode
// (test/support/http/fake_node.hpp), served by real Sessions on loopback connections, so each
// case sees the exact bytes a client gets. The fake answers writes from a real store and
// scripts what a cluster answers only under faults (a write or quorum read timing out, a
// membership change refused, no leader, a failed disk), so every error path of the keys,
// members, stats and health handlers is reached without starting a process.
#include "server/http/router.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <thread>

#include "test/support/http/fake_node.hpp"
#include "test/support/net/raw_connection.hpp"
#include "test/support/process/eventually.hpp"

namespace net = boost::asio;
namespace json = boost::json;
using coord::Status;
using coord::test::FakeNode;
using coord::test::RawConnection;

namespace {

// One HTTP answer, split.
struct Answer {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;

  bool has_header(const std::string& line) const { return head.find("\r\n" + line + "\r\n") != std::string::npos; }
  json::value json() const { return json::parse(body); }
};

Answer split(const std::string& raw) {
  Answer a;
  const auto end = raw.find("\r\n\r\n");
  BOOST_REQUIRE_MESSAGE(raw.rfind("HTTP/1.1 ", 0) == 0 && end != std::string::npos, "no answer: " + raw);
  a.status = std::stoi(raw.substr(9, 3));
  a.head = raw.substr(0, end + 2);
  a.body = raw.substr(end + 4);
  return a;
}

// A Router over a FakeNode, its sessions on one io thread, and loopback clients.
class RouterFixture {
 public:
  explicit RouterFixture(coord::http::SessionLimits limits = {})
      : limits_(std::move(limits)), router_(node, coord::http::RouterOptions{}) {
    io_thread_ = std::thread([this] { ioc_.run(); });
  }
  ~RouterFixture() {
    work_.reset();
    ioc_.stop();
    io_thread_.join();
  }

  // A new client connection with its server session started.
  std::unique_ptr<RawConnection> connect() {
    auto client = std::make_unique<RawConnection>("127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()));
    auto session = std::make_shared<coord::http::Session>(acceptor_.accept(net::make_strand(ioc_)), router_, limits_);
    session->start();
    return client;
  }
  // Sends one request on a new connection and reads its answer.
  Answer ask(const std::string& method, const std::string& target, const std::string& body = {},
             const std::string& content_type = "application/x-www-form-urlencoded", const std::string& extra_headers = {}) {
    auto client = connect();
    return ask_on(*client, method, target, body, content_type, extra_headers);
  }
  static Answer ask_on(RawConnection& client, const std::string& method, const std::string& target,
                       const std::string& body = {}, const std::string& content_type = "application/x-www-form-urlencoded",
                       const std::string& extra_headers = {}) {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + extra_headers;
    if (!body.empty()) request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    BOOST_REQUIRE(client.send(request));
    return split(client.read_answer());
  }

 private:
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  net::ip::tcp::acceptor acceptor_{ioc_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};

 public:
  // Declared after the io_context, so destroyed before it: watchers left in its store hold
  // sessions, whose sockets and timers must go while their io_context still exists.
  FakeNode node;

 private:
  const coord::http::SessionLimits limits_;
  coord::http::Router router_;
  std::thread io_thread_;
};

const std::string kJsonType = "application/json";
const std::string kClusterIdHeader = "X-Etcd-Cluster-Id: cdf818194e3a8c32";

}  // namespace

BOOST_AUTO_TEST_SUITE(router_keys)

BOOST_AUTO_TEST_CASE(a_write_is_applied_and_read_back_with_etcds_headers) {
  RouterFixture f;
  const Answer put = f.ask("PUT", "/v2/keys/a", "value=1");
  BOOST_TEST(put.status == 201);
  BOOST_TEST(put.has_header(kClusterIdHeader));
  BOOST_TEST(put.json().at("action").as_string() == "set");
  const Answer get = f.ask("GET", "/v2/keys/a");
  BOOST_TEST(get.status == 200);
  BOOST_TEST(get.json().at("node").at("value").as_string() == "1");
  BOOST_TEST(get.has_header("X-Etcd-Index: " + std::to_string(get.json().at("node").at("modifiedIndex").as_int64())));
}

BOOST_AUTO_TEST_CASE(a_write_that_times_out_is_answered_500_with_error_300) {
  RouterFixture f;
  f.node.fail_writes(coord::store::V2Error{coord::store::kEcodeRaftInternal, "etcdserver: request timed out", 0});
  const Answer a = f.ask("PUT", "/v2/keys/a", "value=1");
  BOOST_TEST(a.status == 500);
  BOOST_TEST(a.has_header(kClusterIdHeader));
  BOOST_TEST(a.json().at("errorCode").as_int64() == 300);
  BOOST_TEST(a.json().at("cause").as_string() == "etcdserver: request timed out");
  f.node.fail_writes(std::nullopt);
  BOOST_TEST(f.ask("GET", "/v2/keys/a").status == 404);  // nothing was applied
}

BOOST_AUTO_TEST_CASE(a_quorum_read_whose_barrier_fails_is_answered_error_300_and_a_plain_read_still_works) {
  RouterFixture f;
  BOOST_TEST(f.ask("PUT", "/v2/keys/a", "value=1").status == 201);
  f.node.answer_read_barriers(Status::timeout("read index timed out"));
  const Answer quorum = f.ask("GET", "/v2/keys/a?quorum=true");
  BOOST_TEST(quorum.status == 500);
  BOOST_TEST(quorum.json().at("errorCode").as_int64() == 300);
  BOOST_TEST(f.ask("GET", "/v2/keys/a").status == 200);
  f.node.answer_read_barriers(Status::ok());
  BOOST_TEST(f.ask("GET", "/v2/keys/a?quorum=true").json().at("node").at("value").as_string() == "1");
}

BOOST_AUTO_TEST_CASE(a_bad_parameter_is_answered_in_etcds_format_before_reaching_the_node) {
  RouterFixture f;
  f.node.fail_writes(coord::store::V2Error{coord::store::kEcodeRaftInternal, "must not be proposed", 0});
  const Answer a = f.ask("PUT", "/v2/keys/a", "value=1&ttl=abc");
  BOOST_TEST(a.status == 400);
  BOOST_TEST(a.json().at("errorCode").as_int64() == 202);  // TTL is not a number
  BOOST_TEST(a.has_header(kClusterIdHeader));
}

BOOST_AUTO_TEST_CASE(a_waiting_watch_gets_the_next_write_and_a_cleared_index_is_error_401) {
  RouterFixture f;
  auto watcher = f.connect();
  BOOST_REQUIRE(watcher->send("GET /v2/keys/w?wait=true HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The watch is registered once its head is out (it is written before any event).
  const std::string head = watcher->read_until("\r\n\r\n", 1);
  BOOST_TEST(head.find("HTTP/1.1 200 OK") == 0u);
  BOOST_TEST(f.ask("PUT", "/v2/keys/w", "value=v").status == 201);
  const std::string event = watcher->read_until("0\r\n\r\n", 1);
  BOOST_TEST(event.find("\"action\":\"set\"") != std::string::npos);
  BOOST_TEST(event.find("\"value\":\"v\"") != std::string::npos);

  // The store keeps the last 1000 events: after 1010 more writes, index 1 is gone.
  auto writer = f.connect();
  for (int i = 0; i < 1010; ++i) BOOST_REQUIRE(RouterFixture::ask_on(*writer, "PUT", "/v2/keys/fill", "value=x").status == 200 + (i == 0));
  const Answer cleared = f.ask("GET", "/v2/keys/w?wait=true&waitIndex=1");
  BOOST_TEST(cleared.status == 400);
  BOOST_TEST(cleared.json().at("errorCode").as_int64() == 401);
}

BOOST_AUTO_TEST_CASE(a_request_sent_while_a_watch_waits_is_answered_after_its_event) {
  // While a stream is open the session only watches for the client leaving (it waits for
  // readability and holds no read buffer); bytes that come meanwhile are kept for afterwards.
  RouterFixture f;
  auto watcher = f.connect();
  BOOST_REQUIRE(watcher->send("GET /v2/keys/p?wait=true HTTP/1.1\r\nHost: x\r\n\r\n"));
  BOOST_TEST(watcher->read_until("\r\n\r\n", 1).find("HTTP/1.1 200 OK") == 0u);
  BOOST_REQUIRE(watcher->send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n"));
  BOOST_TEST(f.ask("PUT", "/v2/keys/p", "value=v").status == 201);
  const std::string rest = watcher->read_until("etcdserver", 1);
  const auto event = rest.find("\"action\":\"set\"");
  const auto version = rest.find("HTTP/1.1 200 OK");
  BOOST_TEST(event != std::string::npos);
  BOOST_TEST((version != std::string::npos && event < version));
}

BOOST_AUTO_TEST_CASE(a_client_that_leaves_a_stream_has_its_watcher_removed) {
  RouterFixture f;
  {
    auto watcher = f.connect();
    BOOST_REQUIRE(watcher->send("GET /v2/keys/gone?wait=true&stream=true HTTP/1.1\r\nHost: x\r\n\r\n"));
    BOOST_TEST(watcher->read_until("\r\n\r\n", 1).find("HTTP/1.1 200 OK") == 0u);
    BOOST_TEST(f.node.read([](const coord::store::Store& s, coord::node::RaftPosition) { return s.watcher_count(); }) == 1u);
  }  // the client closes its connection
  BOOST_TEST(coord::test::eventually([&] {
    return f.node.read([](const coord::store::Store& s, coord::node::RaftPosition) { return s.watcher_count(); }) == 0u;
  }, std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(router_members)

BOOST_AUTO_TEST_CASE(the_list_and_the_leader_come_from_the_node) {
  RouterFixture f;
  const Answer list = f.ask("GET", "/v2/members");
  BOOST_TEST(list.status == 200);
  BOOST_TEST(list.has_header(kClusterIdHeader));
  BOOST_TEST(list.json().at("members").as_array().size() == 1u);
  BOOST_TEST(f.ask("GET", "/v2/members/leader").json().at("name").as_string() == "default");
  f.node.set_leader(0);
  const Answer electing = f.ask("GET", "/v2/members/leader");
  BOOST_TEST(electing.status == 503);
  BOOST_TEST(electing.json().at("message").as_string() == "During election");
}

BOOST_AUTO_TEST_CASE(an_added_member_is_answered_201_with_its_peer_urls_scheme_in_lower_case) {
  RouterFixture f;
  const Answer a = f.ask("POST", "/v2/members", R"({"peerURLs":["HTTP://127.0.0.1:2480"]})", kJsonType);
  BOOST_TEST(a.status == 201);
  BOOST_TEST(a.has_header(kClusterIdHeader));
  BOOST_TEST(a.json().at("peerURLs").as_array().at(0).as_string() == "http://127.0.0.1:2480");
  BOOST_TEST(f.node.last_peer_urls() == std::vector<std::string>{"http://127.0.0.1:2480"});
  BOOST_TEST(f.ask("GET", "/v2/members").json().at("members").as_array().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_member_body_that_is_not_json_or_not_a_url_list_never_reaches_the_node) {
  RouterFixture f;
  f.node.answer_member_changes(Status::internal("must not be asked"));
  const Answer wrong_type = f.ask("POST", "/v2/members", R"({"peerURLs":["http://127.0.0.1:2480"]})", "text/plain");
  BOOST_TEST(wrong_type.status == 415);
  BOOST_TEST(wrong_type.has_header(kClusterIdHeader));
  BOOST_TEST(f.ask("POST", "/v2/members", "{not json", kJsonType).status == 400);
  BOOST_TEST(f.ask("POST", "/v2/members", R"({"peerURLs":["ftp://h:1"]})", kJsonType).status == 400);
  BOOST_TEST(f.ask("PUT", "/v2/members/abc", R"({"peerURLs":[]})", kJsonType).status == 400);
  BOOST_TEST(f.node.last_peer_urls().empty());
}

BOOST_AUTO_TEST_CASE(each_refused_change_gets_etcds_status) {
  RouterFixture f;
  const std::string body = R"({"peerURLs":["http://127.0.0.1:2480"]})";
  f.node.answer_member_changes(Status{coord::StatusCode::kAlreadyExists, "PeerURLs exists"});
  const Answer exists = f.ask("POST", "/v2/members", body, kJsonType);
  BOOST_TEST(exists.status == 409);
  BOOST_TEST(exists.json().at("message").as_string() == "PeerURLs exists");
  f.node.answer_member_changes(Status::unavailable("not enough started members"));
  BOOST_TEST(f.ask("POST", "/v2/members", body, kJsonType).status == 500);
  f.node.answer_member_changes(Status::not_found("member not found"));
  BOOST_TEST(f.ask("DELETE", "/v2/members/abc").status == 404);
  BOOST_TEST(f.ask("PUT", "/v2/members/abc", body, kJsonType).status == 404);
  // A permanently removed member: etcd answers 410 to removing it again and 500 to updating it.
  f.node.answer_member_changes(Status{coord::StatusCode::kFailedPrecondition, "member removed"});
  BOOST_TEST(f.ask("DELETE", "/v2/members/abc").status == 410);
  BOOST_TEST(f.ask("PUT", "/v2/members/abc", body, kJsonType).status == 500);
  f.node.answer_member_changes(Status::timeout("timed out"));
  const Answer timeout = f.ask("DELETE", "/v2/members/abc");
  BOOST_TEST(timeout.status == 500);
  BOOST_TEST(timeout.has_header(kClusterIdHeader));
  BOOST_TEST(f.node.last_member_id() == 0xabcu);
}

BOOST_AUTO_TEST_CASE(an_id_that_is_not_hex_is_404_and_a_good_change_204) {
  RouterFixture f;
  const Answer bad = f.ask("DELETE", "/v2/members/xyz");
  BOOST_TEST(bad.status == 404);
  BOOST_TEST(bad.json().at("message").as_string() == "No such member: xyz");
  BOOST_TEST(f.ask("DELETE", "/v2/members/12345678901234567").status == 404);  // 17 digits
  BOOST_TEST(f.ask("PUT", "/v2/members/8e9e05c52164694d", R"({"peerURLs":["http://127.0.0.1:2390"]})", kJsonType).status == 204);
  BOOST_TEST(f.node.last_member_id() == FakeNode::kSelfId);
  BOOST_TEST(f.ask("GET", "/v2/members").body.find("http://127.0.0.1:2390") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(methods_and_paths_etcd_refuses) {
  RouterFixture f;
  const Answer patch = f.ask("PATCH", "/v2/members");
  BOOST_TEST(patch.status == 405);
  BOOST_TEST(patch.has_header("Allow: GET,POST,DELETE,PUT"));
  BOOST_TEST(f.ask("POST", "/v2/members/abc", R"({"peerURLs":[]})", kJsonType).status == 405);
  BOOST_TEST(f.ask("DELETE", "/v2/members").status == 405);
  BOOST_TEST(f.ask("GET", "/v2/members/abc").status == 404);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(router_stats_health)

BOOST_AUTO_TEST_CASE(leader_stats_on_a_follower_are_403_and_self_stats_name_the_leader) {
  RouterFixture f;
  BOOST_TEST(f.ask("GET", "/v2/stats/leader").status == 200);
  f.node.set_leader(0x42);
  const Answer leader = f.ask("GET", "/v2/stats/leader");
  BOOST_TEST(leader.status == 403);
  BOOST_TEST(leader.json().at("message").as_string() == "not current leader");
  const Answer self = f.ask("GET", "/v2/stats/self");
  BOOST_TEST(self.json().at("state").as_string() == "StateFollower");
  BOOST_TEST(self.json().at("leaderInfo").at("leader").as_string() == "42");
  BOOST_TEST(f.ask("POST", "/v2/stats/self").status == 405);
  BOOST_TEST(f.ask("GET", "/v2/stats/nothing").status == 404);
}

BOOST_AUTO_TEST_CASE(health_is_true_only_with_a_leader_a_working_disk_and_a_quorum_read) {
  RouterFixture f;
  const Answer ok = f.ask("GET", "/health");
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(ok.body == R"({"health":"true"})");
  f.node.answer_read_barriers(Status::timeout("read index timed out"));
  BOOST_TEST(f.ask("GET", "/health").status == 503);
  f.node.answer_read_barriers(Status::ok());
  f.node.set_leader(0);
  const Answer no_leader = f.ask("GET", "/health");
  BOOST_TEST(no_leader.status == 503);
  BOOST_TEST(no_leader.body == "{\"health\":\"false\"}\n");  // written by Go's http.Error, as etcd does
  f.node.set_leader(FakeNode::kSelfId);
  f.node.set_failed(true);
  BOOST_TEST(f.ask("GET", "/health").status == 503);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(router_cors)

const std::string kAllowedOrigin = "http://app.example:8080";

coord::http::SessionLimits cors_for(std::vector<std::string> origins) {
  coord::http::SessionLimits limits;
  limits.cors = std::make_shared<const coord::http::CorsPolicy>(std::move(origins));
  return limits;
}

BOOST_AUTO_TEST_CASE(by_default_every_answer_allows_any_origin) {
  RouterFixture f;
  const Answer a = f.ask("GET", "/v2/keys/none");
  BOOST_TEST(a.status == 404);
  BOOST_TEST(a.has_header("Access-Control-Allow-Origin: *"));
  BOOST_TEST(a.has_header("Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE"));
}

BOOST_AUTO_TEST_CASE(a_whitelist_names_the_allowed_origin_and_gives_others_no_cors_headers) {
  RouterFixture f(cors_for({kAllowedOrigin, "https://other.example:443"}));
  const Answer allowed = f.ask("GET", "/version", {}, {}, "Origin: " + kAllowedOrigin + "\r\n");
  BOOST_TEST(allowed.has_header("Access-Control-Allow-Origin: " + kAllowedOrigin));
  BOOST_TEST(allowed.has_header("Access-Control-Allow-Headers: accept, content-type, authorization"));
  const Answer preflight = f.ask("OPTIONS", "/v2/keys/a", {}, {}, "Origin: " + kAllowedOrigin + "\r\n");
  BOOST_TEST(preflight.status == 200);
  BOOST_TEST(preflight.has_header("Access-Control-Allow-Origin: " + kAllowedOrigin));
  for (const std::string origin : {"http://evil.example:8080", "http://app.example", "HTTP://app.example:8080"}) {
    const Answer refused = f.ask("GET", "/version", {}, {}, "Origin: " + origin + "\r\n");
    BOOST_TEST(refused.status == 200);
    BOOST_TEST(refused.head.find("Access-Control") == std::string::npos, origin);
  }
  BOOST_TEST(f.ask("GET", "/version").head.find("Access-Control") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_watch_stream_head_follows_its_own_requests_origin) {
  RouterFixture f(cors_for({kAllowedOrigin}));
  auto watcher = f.connect();
  BOOST_REQUIRE(watcher->send("GET /v2/keys/w?wait=true HTTP/1.1\r\nHost: x\r\nOrigin: " + kAllowedOrigin + "\r\n\r\n"));
  const std::string head = watcher->read_until("\r\n\r\n", 1);
  BOOST_TEST(head.find("Access-Control-Allow-Origin: " + kAllowedOrigin + "\r\n") != std::string::npos);
  // On one keep-alive connection, each answer follows its own request's Origin.
  auto client = f.connect();
  BOOST_TEST(RouterFixture::ask_on(*client, "GET", "/version", {}, {}, "Origin: " + kAllowedOrigin + "\r\n")
                 .has_header("Access-Control-Allow-Origin: " + kAllowedOrigin));
  BOOST_TEST(RouterFixture::ask_on(*client, "GET", "/version").head.find("Access-Control") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_peer_and_metrics_listeners_send_none) {
  coord::http::SessionLimits none;
  none.cors = nullptr;
  RouterFixture f(none);
  BOOST_TEST(f.ask("GET", "/version", {}, {}, "Origin: " + kAllowedOrigin + "\r\n").head.find("Access-Control") ==
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(router_expect)

// As etcd 3.4 answers (Go's net/http server), checked against it side by side.
BOOST_AUTO_TEST_CASE(a_client_that_expects_100_continue_hears_it_before_sending_its_body) {
  RouterFixture f;
  auto client = f.connect();
  BOOST_REQUIRE(client->send("PUT /v2/keys/big HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\n"
                             "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\n"));
  // The client waits for the invitation before it sends the body (curl waits up to 1 s).
  BOOST_TEST(client->read_until("\r\n\r\n", 1) == "HTTP/1.1 100 Continue\r\n\r\n");
  BOOST_REQUIRE(client->send("value=1"));
  BOOST_TEST(split(client->read_answer()).status == 201);
  // Keep-alive goes on as usual after it.
  BOOST_TEST(RouterFixture::ask_on(*client, "GET", "/v2/keys/big").json().at("node").at("value").as_string() == "1");
}

BOOST_AUTO_TEST_CASE(no_100_continue_without_a_body_to_come_or_from_an_http_10_client) {
  RouterFixture f;
  const Answer whole = f.ask("PUT", "/v2/keys/a", "value=1", "application/x-www-form-urlencoded", "Expect: 100-continue\r\n");
  BOOST_TEST(whole.status == 201);  // the body came with the head: no invitation needed
  BOOST_TEST(f.ask("GET", "/v2/keys/a", {}, {}, "Expect: 100-continue\r\n").status == 200);
  auto old = f.connect();
  BOOST_REQUIRE(old->send("PUT /v2/keys/b HTTP/1.0\r\nHost: x\r\nExpect: 100-continue\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\n"));
  BOOST_TEST(old->read_all(std::chrono::milliseconds(300)).empty());
  BOOST_REQUIRE(old->send("value=1"));
  BOOST_TEST(old->read_answer().find("HTTP/1.1 201 Created") == 0u);
}

BOOST_AUTO_TEST_CASE(any_other_expectation_is_refused_417_and_the_connection_closed) {
  RouterFixture f;
  for (const std::string& wait_for_body : {std::string(), std::string("value=1")}) {
    auto client = f.connect();
    BOOST_REQUIRE(client->send("PUT /v2/keys/a HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n"
                               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\n" +
                               wait_for_body));
    const std::string answer = client->read_all();
    BOOST_TEST(answer.find("HTTP/1.1 417 Expectation Failed\r\n") == 0u, answer);
    BOOST_TEST(answer.find("Connection: close\r\n") != std::string::npos);
    BOOST_TEST(answer.find("Content-Length: 0\r\n") != std::string::npos);
    BOOST_TEST(answer.find("Access-Control") == std::string::npos);
    BOOST_TEST(client->closed());
  }
  BOOST_TEST(f.ask("GET", "/v2/keys/a").status == 404);  // nothing was written
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(router_paths)

BOOST_AUTO_TEST_CASE(unknown_unclean_and_malformed_targets) {
  RouterFixture f;
  BOOST_TEST(f.ask("GET", "/nothing").status == 404);
  const Answer redirect = f.ask("GET", "/v2/keys/a/../b");
  BOOST_TEST(redirect.status == 301);
  BOOST_TEST(redirect.has_header("Location: /v2/keys/b"));
  const Answer version = f.ask("GET", "/version");
  BOOST_TEST(version.json().at("etcdserver").as_string() == "3.4.23");
}

BOOST_AUTO_TEST_SUITE_END()
