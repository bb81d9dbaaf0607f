// Client retry, failover and ambiguous-write rules, driven through a fake transport.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <boost/asio/use_future.hpp>

#include "coord/client.hpp"
#include "test/support/client/fake_transport.hpp"

using namespace coord;
using namespace coord::test;
using S = TransportResult::Status;

namespace {

std::size_t count_method(const std::vector<SentRequest>& sent, const std::string& method) {
  std::size_t n = 0;
  for (const auto& s : sent) n += s.request.method == method;
  return n;
}

bool is_quorum_get(const HttpRequest& r) {
  return r.method == "GET" && r.target.find("quorum=true") != std::string::npos;
}

TransportError::Kind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const TransportError& e) {
    return e.kind();
  }
  BOOST_FAIL("no TransportError");
  return TransportError::Kind::kProtocol;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_retry)

BOOST_AUTO_TEST_CASE(failover__connect_failure_moves_to_next_endpoint_and_sticks_there) {
  auto fake = std::make_shared<FakeTransport>([](const std::string& ep, const HttpRequest&) -> std::optional<TransportResult> {
    if (ep == "http://a:1") return failure(S::kConnectFailed, false);
    return answer(200, event_body("get", "/k", "v", 5));
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST(*client.get("/k").node.value == "v");
  client.get("/k");
  auto sent = fake->sent();
  BOOST_REQUIRE_EQUAL(sent.size(), 3u);
  BOOST_TEST(sent[0].endpoint == "http://a:1");
  BOOST_TEST(sent[1].endpoint == "http://b:2");
  BOOST_TEST(sent[2].endpoint == "http://b:2");
}

BOOST_AUTO_TEST_CASE(failover__5xx_rotates_and_read_is_retried) {
  auto fake = std::make_shared<FakeTransport>([](const std::string& ep, const HttpRequest&) -> std::optional<TransportResult> {
    if (ep == "http://a:1") return answer(500, error_body(300, "Raft Internal Error", "etcdserver: request timed out", 0));
    return answer(200, event_body("get", "/k", "v", 5));
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST(client.get("/k", GetOptions{.quorum = true}).action == "get");
  BOOST_TEST(fake->sent().size() == 2u);
}

BOOST_AUTO_TEST_CASE(read__lost_reply_is_retried_on_another_endpoint) {
  std::atomic<int> n{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    if (n++ == 0) return failure(S::kIoError, true);
    return answer(200, event_body("get", "/k", "v", 5));
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST(client.get("/k").action == "get");
  BOOST_TEST(fake->sent().size() == 2u);
}

BOOST_AUTO_TEST_CASE(etcd_error__is_returned_without_retry) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return answer(404, error_body(100, "Key not found", "/k", 9), 9);
  });
  Client client(FakeTransport::options(fake));
  try {
    client.get("/k");
    BOOST_FAIL("no error");
  } catch (const Error& e) {
    BOOST_TEST(e.error_code() == 100);
    BOOST_TEST(e.index() == 9u);
  }
  BOOST_TEST(fake->sent().size() == 1u);
}

BOOST_AUTO_TEST_CASE(create__lost_reply_resolved_by_quorum_read_without_second_put) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "PUT") return failure(S::kIoError, true);
    if (is_quorum_get(r)) return answer(200, event_body("get", "/lock", "owner-1", 11), 11);
    return std::nullopt;
  });
  Client client(FakeTransport::options(fake));
  auto r = client.create("/lock", "owner-1");
  BOOST_TEST(r.resolved_by_read);
  BOOST_TEST(r.action == "create");
  BOOST_TEST(r.node.created_index == 11u);
  BOOST_TEST(count_method(fake->sent(), "PUT") == 1u);
}

// A quorum read that does not find the create cannot tell "never applied" from "appended, not
// yet committed": the create is not sent again; the caller hears that the outcome is unknown.
BOOST_AUTO_TEST_CASE(create__lost_reply_and_key_absent__is_outcome_unknown_not_sent_again) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "PUT") return failure(S::kTimeout, true);
    return answer(404, error_body(100, "Key not found", "/lock", 11), 11);
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST((kind_of([&] { client.create("/lock", "owner-1"); }) == TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(count_method(fake->sent(), "PUT") == 1u);
}

// The set applied, then another client wrote a newer value, then our quorum read ran: re-sending
// our set would overwrite the newer value. It is reported, not sent again.
BOOST_AUTO_TEST_CASE(set__lost_reply_and_another_value_read__is_outcome_unknown_not_sent_again) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "PUT") return failure(S::kIoError, true);
    return answer(200, event_body("get", "/k", "newer", 13), 13);
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST((kind_of([&] { client.set("/k", "older"); }) == TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(count_method(fake->sent(), "PUT") == 1u);
}

// An answer of 500 (etcd's "request timed out": the proposal may still commit) is as ambiguous.
BOOST_AUTO_TEST_CASE(update__500_answer_not_confirmed_by_read__is_outcome_unknown_not_sent_again) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "PUT") return answer(500, error_body(300, "Raft Internal Error", "etcdserver: request timed out", 0));
    return answer(200, event_body("get", "/k", "before", 4), 9);
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST((kind_of([&] { client.update("/k", "after"); }) == TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(count_method(fake->sent(), "PUT") == 1u);
}

// A failed connect never reached a server: the write moves on to the next endpoint.
BOOST_AUTO_TEST_CASE(set__connect_failure_moves_to_the_next_endpoint) {
  auto fake = std::make_shared<FakeTransport>([](const std::string& ep, const HttpRequest&) -> std::optional<TransportResult> {
    if (ep == "http://a:1") return failure(S::kConnectFailed, false);
    return answer(200, event_body("set", "/k", "v", 5), 5);
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST(client.current_endpoint() == "http://a:1");
  auto r = client.set("/k", "v");
  BOOST_TEST(!r.resolved_by_read);
  auto sent = fake->sent();
  BOOST_REQUIRE_EQUAL(sent.size(), 2u);
  BOOST_TEST(sent[1].endpoint == "http://b:2");
  BOOST_TEST(client.current_endpoint() == "http://b:2");  // sticky on the one that answered
  BOOST_TEST(client.endpoints().front() == "http://a:1");  // the list keeps its order
}

BOOST_AUTO_TEST_CASE(create__105_without_ambiguity_is_reported) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return answer(412, error_body(105, "Key already exists", "/lock", 12), 12);
  });
  Client client(FakeTransport::options(fake));
  BOOST_CHECK_THROW(client.create("/lock", "owner-1"), Error);
  BOOST_TEST(fake->sent().size() == 1u);
}

BOOST_AUTO_TEST_CASE(post__lost_reply_finds_our_child_instead_of_posting_twice) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "POST") return failure(S::kIoError, true);
    BOOST_TEST(r.target.find("recursive=true") != std::string::npos);
    return answer(200,
                  R"({"action":"get","node":{"key":"/q","dir":true,"nodes":[)"
                  R"({"key":"/q/00000000000000000007","value":"other","modifiedIndex":7,"createdIndex":7},)"
                  R"({"key":"/q/00000000000000000013","value":"job-x","modifiedIndex":13,"createdIndex":13}]}})",
                  13);
  });
  Client client(FakeTransport::options(fake));
  auto r = client.create_in_order("/q", "job-x");
  BOOST_TEST(r.resolved_by_read);
  BOOST_TEST(r.node.key == "/q/00000000000000000013");
  BOOST_TEST(count_method(fake->sent(), "POST") == 1u);
}

// A quorum read (ReadIndex) does not see a write the cluster appended but has not committed
// yet: a POST that it does not find may still apply, so it is never sent again.
BOOST_AUTO_TEST_CASE(post__not_found_by_quorum_read_is_not_posted_again) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "POST") return failure(S::kIoError, true);
    return answer(200, R"({"action":"get","node":{"key":"/q","dir":true,"nodes":[)"
                       R"({"key":"/q/00000000000000000007","value":"other","modifiedIndex":7,"createdIndex":7}]}})",
                  13);
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST((kind_of([&] { client.create_in_order("/q", "job-x"); }) == TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(count_method(fake->sent(), "POST") == 1u);
}

// The value we compared against may have come back after our swap applied (ABA): a second copy
// would apply again over the newer write. Not sent again.
BOOST_AUTO_TEST_CASE(compare_and_swap__not_applied_by_quorum_read_is_outcome_unknown_not_sent_again) {
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "PUT") return failure(S::kTimeout, true);
    return answer(200, event_body("get", "/k", "older", 5), 11);
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST((kind_of([&] { client.compare_and_swap("/k", "newer", std::string("older"), std::nullopt); }) ==
              TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(count_method(fake->sent(), "PUT") == 1u);
}

BOOST_AUTO_TEST_CASE(post_dir__lost_reply_is_reported_as_outcome_unknown) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return failure(S::kIoError, true);
  });
  Client client(FakeTransport::options(fake));
  BOOST_TEST((kind_of([&] { client.create_in_order("/q", "", SetOptions{.dir = true}); }) ==
              TransportError::Kind::kOutcomeUnknown));
  BOOST_TEST(fake->sent().size() == 1u);
}

BOOST_AUTO_TEST_CASE(remove__lost_reply_and_key_gone_counts_as_done) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "DELETE") return answer(500, error_body(300, "Raft Internal Error", "timed out", 0), 0);
    return answer(404, error_body(100, "Key not found", "/k", 20), 20);
  });
  Client client(FakeTransport::options(fake));
  auto r = client.remove("/k");
  BOOST_TEST(r.resolved_by_read);
  BOOST_TEST(r.action == "delete");
  BOOST_TEST(count_method(fake->sent(), "DELETE") == 1u);
}

BOOST_AUTO_TEST_CASE(refresh__is_retried_like_a_read) {
  std::atomic<int> n{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    BOOST_TEST(r.body.find("refresh=true") != std::string::npos);
    if (n++ == 0) return failure(S::kIoError, true);
    return answer(200, event_body("update", "/k", "v", 5));
  });
  Client client(FakeTransport::options(fake));
  client.refresh("/k", std::chrono::seconds(10));
  BOOST_TEST(count_method(fake->sent(), "PUT") == 2u);
  BOOST_TEST(count_method(fake->sent(), "GET") == 0u);
}

BOOST_AUTO_TEST_CASE(deadline__unreachable_cluster_gives_timeout_after_bounded_attempts) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return failure(S::kConnectFailed, false);
  });
  auto options = FakeTransport::options(fake);
  options.retry.max_attempts = 1000;
  Client client(options);
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST((kind_of([&] { client.get("/k", GetOptions{.timeout = std::chrono::milliseconds(100)}); }) ==
              TransportError::Kind::kTimeout));
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(2)));
  BOOST_TEST(fake->sent().size() > 3u);  // every endpoint was tried, then rounds with backoff
}

BOOST_AUTO_TEST_CASE(max_attempts__bounds_retries) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return failure(S::kConnectFailed, false);
  });
  auto options = FakeTransport::options(fake);
  options.retry.max_attempts = 4;
  Client client(options);
  BOOST_TEST((kind_of([&] { client.get("/k"); }) == TransportError::Kind::kConnect));
  BOOST_TEST(fake->sent().size() == 4u);
}

BOOST_AUTO_TEST_CASE(cluster_id__change_between_answers_is_an_error) {
  auto fake = std::make_shared<FakeTransport>([](const std::string& ep, const HttpRequest&) -> std::optional<TransportResult> {
    if (ep == "http://a:1") return answer(200, event_body("get", "/k", "v", 5), 5, "c1");
    return answer(200, event_body("get", "/k", "v", 5), 5, "c2");
  });
  Client client(FakeTransport::options(fake, {"http://a:1", "http://b:2"}));
  client.get("/k");
  BOOST_TEST(client.cluster_id() == "c1");
  // Make the client move to b: a fails once.
  fake->set_responder([](const std::string& ep, const HttpRequest&) -> std::optional<TransportResult> {
    if (ep == "http://a:1") return failure(S::kConnectFailed, false);
    return answer(200, event_body("get", "/k", "v", 5), 5, "c2");
  });
  BOOST_TEST((kind_of([&] { client.get("/k"); }) == TransportError::Kind::kClusterIdMismatch));
}

BOOST_AUTO_TEST_CASE(watch__empty_long_poll_answer_polls_again_with_same_index) {
  std::atomic<int> n{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    BOOST_TEST(r.long_poll);
    BOOST_TEST(r.target == "/v2/keys/w?wait=true&waitIndex=8&recursive=true");
    if (n++ < 2) return answer(200, "");
    return answer(200, event_body("set", "/w/x", "1", 8));
  });
  Client client(FakeTransport::options(fake));
  auto ev = client.watch("/w", WatchOptions{.wait_index = 8, .recursive = true});
  BOOST_TEST(ev.node.modified_index == 8u);
  BOOST_TEST(fake->sent().size() == 3u);
}

BOOST_AUTO_TEST_CASE(requests__carry_etcd_parameters_and_basic_auth) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return answer(200, event_body("set", "/k", "v", 5));
  });
  auto options = FakeTransport::options(fake);
  options.username = "root";
  options.password = "secret";
  Client client(options);
  client.set("/k", "v w", SetOptions{.ttl = std::chrono::seconds(5), .prev_exist = true});
  client.remove("/d", DeleteOptions{.recursive = true});
  client.compare_and_delete("/k", std::nullopt, 5);
  client.mkdir("/dir");
  auto sent = fake->sent();
  BOOST_TEST(sent[0].request.body == "value=v%20w&ttl=5&prevExist=true");
  BOOST_TEST(sent[0].request.content_type == "application/x-www-form-urlencoded");
  BOOST_TEST(sent[0].request.authorization == "Basic cm9vdDpzZWNyZXQ=");
  BOOST_TEST(sent[1].request.method == "DELETE");
  BOOST_TEST(sent[1].request.target == "/v2/keys/d?recursive=true");
  BOOST_TEST(sent[2].request.target == "/v2/keys/k?prevIndex=5");
  BOOST_TEST(sent[3].request.body == "dir=true&prevExist=false");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_attempts)

BOOST_AUTO_TEST_CASE(attempt_timeout__unanswering_member_is_left_for_the_next_one) {
  auto fake = std::make_shared<FakeTransport>([](const std::string& ep, const HttpRequest&) -> std::optional<TransportResult> {
    if (ep == "http://a:1") return std::nullopt;  // accepts, never answers (a frozen member)
    return answer(200, event_body("get", "/k", "v", 5));
  });
  auto options = FakeTransport::options(fake);
  options.request_timeout = std::chrono::seconds(30);
  options.attempt_timeout = std::chrono::milliseconds(300);
  Client client(options);
  auto before = std::chrono::steady_clock::now();
  auto pending = client.async_get("/k", {}, boost::asio::use_future);
  BOOST_REQUIRE(fake->wait_held(1));
  auto first = fake->sent().at(0);
  BOOST_TEST((first.deadline <= before + std::chrono::seconds(1)));  // the attempt's, not the call's 30 s
  BOOST_REQUIRE(fake->expire_oldest());
  BOOST_TEST(*pending.get().node.value == "v");
  BOOST_TEST(fake->sent().at(1).endpoint == "http://b:2");
}

BOOST_AUTO_TEST_CASE(attempt_timeout__does_not_cut_long_polls) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return std::nullopt;
  });
  auto options = FakeTransport::options(fake);
  options.attempt_timeout = std::chrono::milliseconds(300);
  Client client(options);
  auto pending = client.async_watch("/k", {}, boost::asio::use_future);
  BOOST_REQUIRE(fake->wait_held(1));
  BOOST_TEST((fake->sent().at(0).deadline == Transport::Deadline::max()));
}

BOOST_AUTO_TEST_CASE(attempt_timeout__write_that_timed_out_is_resolved_not_resent) {
  std::atomic<int> gets{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "PUT") return std::nullopt;
    ++gets;
    return answer(200, event_body("get", "/k", "mine", 21), 21);
  });
  auto options = FakeTransport::options(fake);
  options.attempt_timeout = std::chrono::milliseconds(300);
  Client client(options);
  auto pending = client.async_set("/k", "mine", {}, boost::asio::use_future);
  BOOST_REQUIRE(fake->wait_held(1));
  BOOST_REQUIRE(fake->expire_oldest());
  auto r = pending.get();
  BOOST_TEST(r.resolved_by_read);
  BOOST_TEST(gets.load() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_members_retry)

BOOST_AUTO_TEST_CASE(add_member__refused_with_500_is_checked_in_member_list_and_sent_again) {
  std::atomic<int> posts{0}, lists{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "POST") {
      if (posts++ == 0) return answer(500, "{\"message\":\"Internal Server Error\"}\n");
      return answer(201, R"({"id":"abc","name":"","peerURLs":["http://p:9"],"clientURLs":[]})");
    }
    ++lists;
    return answer(200, R"({"members":[{"id":"1","name":"m0","peerURLs":["http://p:1"],"clientURLs":["http://c:1"]}]})");
  });
  Client client(FakeTransport::options(fake));
  auto m = client.add_member({"http://p:9"});
  BOOST_TEST(m.id == "abc");
  BOOST_TEST(posts.load() == 2);
  BOOST_TEST(lists.load() == 1);
}

BOOST_AUTO_TEST_CASE(remove_member__lost_reply_then_410_is_success_when_member_is_gone) {
  std::atomic<int> deletes{0};
  auto fake = std::make_shared<FakeTransport>([&](const std::string&, const HttpRequest& r) -> std::optional<TransportResult> {
    if (r.method == "DELETE") {
      if (deletes++ == 0) return failure(S::kIoError, true);
      return answer(410, "{\"message\":\"Member permanently removed: abc\"}\n");
    }
    // First check: still listed (the removal is in flight); second: gone.
    static std::atomic<int> lists{0};
    if (lists++ == 0) return answer(200, R"({"members":[{"id":"abc","name":"x","peerURLs":["http://p:9"],"clientURLs":[]}]})");
    return answer(200, R"({"members":[]})");
  });
  Client client(FakeTransport::options(fake));
  BOOST_CHECK_NO_THROW(client.remove_member("abc"));
  BOOST_TEST(deletes.load() == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_deadlines)

BOOST_AUTO_TEST_CASE(watch__quiet_poll_reaching_its_deadline_keeps_the_endpoint) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return failure(S::kTimeout, true);  // what the transport reports when the poll's deadline passes
  });
  Client client(FakeTransport::options(fake));
  BOOST_CHECK_THROW(client.watch("/k", WatchOptions{.timeout = std::chrono::milliseconds(0)}), TransportError);
  BOOST_CHECK_THROW(client.watch("/k", WatchOptions{.timeout = std::chrono::milliseconds(0)}), TransportError);
  auto sent = fake->sent();
  BOOST_REQUIRE_EQUAL(sent.size(), 2u);
  BOOST_TEST(sent[1].endpoint == "http://a:1");
}

BOOST_AUTO_TEST_CASE(sync_endpoints__skips_urls_the_transport_cannot_reach) {
  auto fake = std::make_shared<FakeTransport>([](const std::string&, const HttpRequest&) -> std::optional<TransportResult> {
    return answer(200, R"({"members":[{"id":"1","name":"m0","peerURLs":[],"clientURLs":["http://a:1","https://s:4"]},)"
                       R"({"id":"2","name":"m1","peerURLs":[],"clientURLs":["http://d:4"]}]})");
  });
  Client client(FakeTransport::options(fake, {"http://a:1"}));
  auto endpoints = client.sync_endpoints();
  BOOST_REQUIRE_EQUAL(endpoints.size(), 2u);
  BOOST_TEST(endpoints[1] == "http://d:4");
}

BOOST_AUTO_TEST_SUITE_END()
