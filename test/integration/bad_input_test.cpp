// coordd under bad input, over raw sockets: malformed HTTP, oversized bodies and headers, bad
// chunked framing, half-open and vanishing connections, clients that leave mid-watch. Each case
// checks the answer (or the closed connection) and that the server keeps serving everyone else.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "test/support/process/http_probe.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/net/raw_connection.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
using coord::test::ServerCluster;
using coord::test::ServerKind;
using coord::test::status_line;

namespace {

// One single-member coordd shared by the cases of this suite.
ServerCluster& server() {
  static ServerCluster cluster(ServerKind::kCoordd, 1);
  static const bool started = cluster.start();
  BOOST_REQUIRE_MESSAGE(started, cluster.last_error());
  return cluster;
}

// A raw TCP connection to the shared server (or to `url`).
class Raw : public coord::test::RawConnection {
 public:
  explicit Raw(const std::string& url = server().client_url(0)) : RawConnection(url) {}
};

// The server still answers a plain request.
void still_serving() {
  auto r = coord::test::http_get(server().client_url(0) + "/v2/keys/", 2s);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bad_input, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(garbage_request_line__400_and_close) {
  Raw c;
  c.send("THIS IS NOT HTTP\r\n\r\n");
  const auto answer = c.read_all();
  BOOST_TEST(status_line(answer) == "HTTP/1.1 400 Bad Request");
  BOOST_TEST(c.closed());
  still_serving();
}

BOOST_AUTO_TEST_CASE(body_over_1_5_mib__413_and_close_nothing_written) {
  Raw c;
  const std::string body = "value=" + std::string(1600 * 1024, 'x');
  c.send("PUT /v2/keys/too-big HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  const auto answer = c.read_all();
  BOOST_TEST(status_line(answer) == "HTTP/1.1 413 Request Entity Too Large");
  auto after = coord::test::http_get(server().client_url(0) + "/v2/keys/too-big", 2s);
  BOOST_REQUIRE(after);
  BOOST_TEST(after->status == 404);
}

BOOST_AUTO_TEST_CASE(headers_over_the_limit__rejected_and_closed) {
  Raw c;
  c.send("GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100 * 1024, 'h') + "\r\n\r\n");
  const auto answer = c.read_all();
  BOOST_TEST(status_line(answer) == "HTTP/1.1 400 Bad Request");
  still_serving();
}

BOOST_AUTO_TEST_CASE(bad_chunked_framing_and_bad_content_length__400) {
  {
    Raw c;
    c.send("PUT /v2/keys/chunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nvalue=1\r\n0\r\n\r\n");
    BOOST_TEST(status_line(c.read_all()) == "HTTP/1.1 400 Bad Request");
  }
  {
    Raw c;
    c.send("PUT /v2/keys/cl HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    BOOST_TEST(status_line(c.read_all()) == "HTTP/1.1 400 Bad Request");
  }
  still_serving();
}

// etcd answers an unknown method and an unknown path through Go's http.Error, which marks the
// plain-text body nosniff so that a browser never runs it as script.
BOOST_AUTO_TEST_CASE(unknown_method_and_path__405_and_404_with_allow_and_nosniff) {
  {
    Raw c;
    c.send("PATCH /v2/keys/m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto answer = c.read_all();
    BOOST_TEST(status_line(answer) == "HTTP/1.1 405 Method Not Allowed");
    BOOST_TEST(answer.find("\r\nAllow: HEAD,GET,PUT,POST,DELETE\r\n") != std::string::npos);
    BOOST_TEST(answer.find("\r\nX-Content-Type-Options: nosniff\r\n") != std::string::npos);
  }
  {
    Raw c;
    c.send("GET /no-such-endpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto answer = c.read_all();
    BOOST_TEST(status_line(answer) == "HTTP/1.1 404 Not Found");
    BOOST_TEST(answer.find("\r\nX-Content-Type-Options: nosniff\r\n") != std::string::npos);
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(bad_escape_in_path__plain_400_without_etcd_headers) {
  Raw c;
  c.send("GET /v2/keys/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto answer = c.read_all();
  BOOST_TEST(status_line(answer) == "HTTP/1.1 400 Bad Request");
  BOOST_TEST(answer.find("X-Etcd-Index") == std::string::npos);
  BOOST_TEST(answer.find("Access-Control-Allow-Origin") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(half_open_connections__do_not_block_other_clients) {
  std::vector<std::unique_ptr<Raw>> stuck;
  for (int i = 0; i < 50; ++i) {
    stuck.push_back(std::make_unique<Raw>());
    stuck.back()->send("PUT /v2/keys/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nvalue=");
  }
  still_serving();
  stuck.clear();  // vanish without finishing the requests
  still_serving();
}

BOOST_AUTO_TEST_CASE(client_leaving_mid_watch__cancels_its_watcher) {
  const auto watchers = [] {
    const auto n = coord::test::store_watchers(server().client_url(0));
    BOOST_REQUIRE(n);
    return *n;
  };
  const int before = watchers();
  {
    Raw a, b;
    a.send("GET /v2/keys/watched?wait=true HTTP/1.1\r\nHost: x\r\n\r\n");
    b.send("GET /v2/keys/watched?wait=true&stream=true HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(status_line(a.read_all(500ms)) == "HTTP/1.1 200 OK");  // headers come at once
    BOOST_TEST(status_line(b.read_all(500ms)) == "HTTP/1.1 200 OK");
    BOOST_TEST(watchers() == before + 2);
  }  // both clients disconnect here
  // Bounded wait for the condition: the server notices the closed sockets.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (watchers() != before && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  BOOST_TEST(watchers() == before);
}

// After a one-shot watch's answer the connection serves the next request: one sent later, and
// one the client pipelined behind the watch before the event came.
BOOST_AUTO_TEST_CASE(connection_after_a_watch__serves_later_and_pipelined_requests) {
  const std::string put =
      "PUT /v2/keys/after-watch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 7\r\n\r\nvalue=1";
  const std::string watch = "GET /v2/keys/after-watch?wait=true HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string get = "GET /v2/keys/after-watch HTTP/1.1\r\nHost: x\r\n\r\n";
  Raw later, pipelined, writer;
  later.send(watch);
  pipelined.send(watch + get);
  BOOST_TEST(status_line(later.read_until("\r\n\r\n", 1)) == "HTTP/1.1 200 OK");  // the head at once
  BOOST_TEST(status_line(pipelined.read_until("\r\n\r\n", 1)) == "HTTP/1.1 200 OK");
  writer.send(put);
  BOOST_TEST(status_line(writer.read_until("\r\n\r\n", 1)) == "HTTP/1.1 201 Created");

  // The event, then the terminating chunk; then the pipelined GET's answer.
  const std::string both = pipelined.read_until("HTTP/1.1 200 OK", 1);
  const std::string rest = pipelined.read_until("\"value\":\"1\"", 1);
  const std::string all = both + rest;
  BOOST_TEST(all.find("\"action\":\"set\"") != std::string::npos);
  const auto end_of_watch = all.find("\r\n0\r\n\r\n");
  const auto get_answer = all.find("HTTP/1.1 200 OK");
  BOOST_TEST(end_of_watch != std::string::npos);
  BOOST_TEST(get_answer != std::string::npos);
  BOOST_TEST(get_answer > end_of_watch);
  BOOST_TEST(all.find("\"action\":\"get\"") != std::string::npos);

  BOOST_TEST(later.read_until("\r\n0\r\n\r\n", 1).find("\"action\":\"set\"") != std::string::npos);
  later.send(get);
  const std::string answer = later.read_until("\"action\":\"get\"", 1);
  BOOST_TEST(status_line(answer) == "HTTP/1.1 200 OK");
  BOOST_TEST(!later.closed());
}

BOOST_AUTO_TEST_CASE(many_connections_opened_and_dropped__server_keeps_serving) {
  for (int round = 0; round < 5; ++round) {
    std::vector<std::unique_ptr<Raw>> conns;
    for (int i = 0; i < 200; ++i) conns.push_back(std::make_unique<Raw>());
    for (auto& c : conns) c->send("GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(peer_api__refuses_another_clusters_messages_and_garbage) {
  const std::string peer = server().peer_url(0);
  {
    Raw c(peer);
    c.send("POST /raft HTTP/1.1\r\nHost: x\r\nX-Etcd-Cluster-Id: 1234\r\nX-Server-From: 99\r\n"
           "Content-Length: 4\r\n\r\njunk");
    const auto answer = c.read_all(2s);
    BOOST_TEST(status_line(answer) == "HTTP/1.1 412 Precondition Failed");
    BOOST_TEST(answer.find("cluster ID mismatch") != std::string::npos);
  }
  auto members = coord::test::http_get(peer + "/members", 2s);
  BOOST_REQUIRE(members);
  BOOST_TEST(members->status == 200);
  BOOST_TEST(members->body.find("\"members\":[{\"id\"") != std::string::npos);
  still_serving();
}

// The message stream's upgrade is checked like POST /raft, and a stream that carries a
// malformed frame is closed without harm to the member.
BOOST_AUTO_TEST_CASE(peer_stream__refuses_bad_upgrades_and_closes_on_a_malformed_frame) {
  const std::string peer = server().peer_url(0);
  std::string cluster;
  {
    Raw c(peer);
    c.send("GET /members HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto answer = c.read_until("\r\n\r\n", 1);
    const auto at = answer.find("X-Etcd-Cluster-Id: ");
    BOOST_REQUIRE(at != std::string::npos);
    cluster = answer.substr(at + 19, answer.find("\r\n", at) - at - 19);
  }
  const auto stream_request = [](const std::string& cluster_id, bool upgrade) {
    return "GET /raft/stream HTTP/1.1\r\nHost: x\r\nX-Etcd-Cluster-Id: " + cluster_id + "\r\nX-Server-From: 99\r\n" +
           (upgrade ? "Connection: Upgrade\r\nUpgrade: coord-raft-stream/1\r\n" : "") + "\r\n";
  };
  {
    Raw c(peer);
    c.send(stream_request("1234", true));
    BOOST_TEST(status_line(c.read_until("\r\n\r\n", 1)) == "HTTP/1.1 412 Precondition Failed");
  }
  {
    Raw c(peer);
    c.send(stream_request(cluster, false));
    BOOST_TEST(status_line(c.read_until("\r\n\r\n", 1)) == "HTTP/1.1 400 Bad Request");
  }
  {
    Raw c(peer);
    c.send(stream_request(cluster, true));
    BOOST_TEST(status_line(c.read_until("\r\n\r\n", 1)) == "HTTP/1.1 101 Switching Protocols");
    c.send(std::string{'\x05', '\0', '\0', '\0'} + "junk!");  // a 5-byte frame that is no batch
    const auto rest = c.read_all(3s);
    BOOST_TEST(rest.empty());
    BOOST_TEST(c.closed());
  }
  still_serving();
}

BOOST_AUTO_TEST_SUITE_END()
