// Hostile clients against the key store and the members API, on real coordd processes (and a
// real etcd 3.4 for the members answers):
//  * a key 20,000 levels deep is refused with 209; one at the 1000-level limit is made, listed
//    recursively at the root and at ancestors, survives a snapshot and a kill -9, and is listed
//    again after the restart — the member never crashes;
//  * clients looping recursive GETs of a large dir do not keep writes out: every write of a
//    sequence is acknowledged while they run;
//  * POST/PUT /v2/members without a peer URL get etcd 3.4's exact status and body, and the
//    one-member cluster keeps its quorum;
//  * --force-new-cluster brings back a 3-member cluster that lost 2 members for good: the
//    survivor serves every acknowledged write alone, takes new ones, and a new member joins it
//    and catches up.
// Skipped when $COORDD is not set.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "test/support/process/eventually.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/process.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
using coord::test::ServerCluster;
using coord::test::ServerKind;

namespace {

struct Answer {
  int status = 0;  // 0: no complete answer
  std::string body;
};

std::string dechunk(const std::string& in) {
  std::string out;
  std::size_t at = 0;
  while (at < in.size()) {
    const auto eol = in.find("\r\n", at);
    if (eol == std::string::npos) break;
    const auto size = std::stoul(in.substr(at, eol - at), nullptr, 16);
    if (size == 0) break;
    out += in.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
  return out;
}

// One HTTP/1.1 request over a fresh loopback connection (closed after the answer).
Answer call(const std::string& base_url, const std::string& method, const std::string& target,
            const std::string& body = "", const std::string& content_type = "application/x-www-form-urlencoded",
            std::chrono::milliseconds timeout = 15s) {
  const int port = std::stoi(base_url.substr(base_url.rfind(':') + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Answer a;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return a;
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  for (std::size_t off = 0; off < request.size();) {
    const auto n = ::send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  std::string in;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      ::close(fd);
      return a;  // timed out: no answer
    }
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto head_end = in.find("\r\n\r\n");
  if (in.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return a;
  a.status = std::stoi(in.substr(9, 3));
  a.body = in.substr(head_end + 4);
  if (in.substr(0, head_end).find("Transfer-Encoding: chunked") != std::string::npos) a.body = dechunk(a.body);
  return a;
}

std::string chain(std::size_t levels) {
  std::string key;
  for (std::size_t i = 0; i < levels; ++i) key += "/d";
  return key;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

using coord::test::eventually;

void start_or_fail(ServerCluster& c) { BOOST_REQUIRE_MESSAGE(c.start(), c.last_error()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_deep_keys, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(deep_key__refused_past_the_limit_listed_at_any_ancestor_and_after_restart) {
  // A snapshot every 5 entries: the deep chain goes through snapshot save and recovery too.
  coord::test::ClusterOptions options;
  options.extra_args = {"--snapshot-count=5"};
  ServerCluster c(ServerKind::kCoordd, 1, options);
  start_or_fail(c);
  const std::string url = c.client_url(0);

  // 20,000 levels: refused with etcd's error format, nothing made.
  const Answer refused = call(url, "PUT", "/v2/keys" + chain(20000), "value=v");
  BOOST_TEST(refused.status == 400);
  BOOST_TEST(refused.body.find(R"({"errorCode":209,"message":"Invalid field","cause":"key has more than 1000 levels","index":)") == 0u,
             refused.body.substr(0, 200));
  BOOST_TEST(call(url, "GET", "/v2/keys/d").status == 404);

  // 1000 levels: made.
  const std::string deep = chain(1000);
  BOOST_REQUIRE(call(url, "PUT", "/v2/keys" + deep, "value=bottom").status == 201);
  for (int i = 0; i < 6; ++i) BOOST_REQUIRE(call(url, "PUT", "/v2/keys/filler", "value=" + std::to_string(i)).status / 100 == 2);

  // Recursive listings at the root and at ancestors hold the whole chain down to the value.
  auto check_listings = [&](const char* when) {
    for (std::size_t level : {0u, 1u, 500u, 999u}) {
      const Answer a = call(url, "GET", "/v2/keys" + chain(level) + "/?recursive=true");
      BOOST_TEST_CONTEXT(when << ", listing at level " << level) {
        BOOST_TEST(a.status == 200);
        BOOST_TEST(count_of(a.body, "\"dir\":true") == 1000 - level);  // the listed dir and every dir below it
        BOOST_TEST(a.body.find("\"key\":\"" + deep + "\",\"value\":\"bottom\"") != std::string::npos);
      }
    }
  };
  check_listings("before the restart");
  BOOST_REQUIRE(call(url, "PUT", "/v2/keys" + deep, "value=again").status == 200);  // a write to the deep key

  // kill -9 and restart: recovery from the snapshot and the WAL with the chain in it.
  c.kill(0);
  BOOST_REQUIRE_MESSAGE(c.restart(0), c.last_error());
  const Answer after = call(url, "GET", "/v2/keys/?recursive=true&sorted=true");
  BOOST_TEST(after.status == 200);
  BOOST_TEST(after.body.find("\"key\":\"" + deep + "\",\"value\":\"again\"") != std::string::npos);
  const Answer quorum = call(url, "GET", "/v2/keys/?recursive=true&quorum=true");  // through Raft and the applier
  BOOST_TEST(quorum.status == 200);
  BOOST_TEST(quorum.body.find("\"key\":\"" + deep + "\",\"value\":\"again\"") != std::string::npos);
  BOOST_TEST(call(url, "PUT", "/v2/keys" + deep, "value=bottom").status == 200);
  check_listings("after the restart");

  // A recursive delete of the top of the chain; the member goes on serving.
  BOOST_TEST(call(url, "DELETE", "/v2/keys/d?recursive=true").status == 200);
  BOOST_TEST(call(url, "GET", "/v2/keys/d").status == 404);
  BOOST_TEST(c.running(0));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hostile_recursive_readers, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(looping_recursive_gets__do_not_keep_writes_out) {
  ServerCluster c(ServerKind::kCoordd, 1);
  start_or_fail(c);
  const std::string url = c.client_url(0);
  // A dir of 300 keys of 8 KiB: each recursive GET lists about 2.5 MB.
  const std::string value(8192, 'v');
  for (int i = 0; i < 300; ++i)
    BOOST_REQUIRE(call(url, "PUT", "/v2/keys/big/k" + std::to_string(i), "value=" + value).status == 201);

  constexpr int kReaders = 8;
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, failed_reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r)
    readers.emplace_back([&] {
      while (!stop) {
        const Answer a = call(url, "GET", "/v2/keys/big?recursive=true", "", "", 30s);
        if (a.status == 200 && count_of(a.body, "\"key\":\"/big/k") == 300) ++reads; else ++failed_reads;
      }
    });
  // The readers are hammering: every one of them has finished a listing.
  BOOST_REQUIRE(eventually([&] { return reads >= 2 * kReaders; }, 60s));

  // Every write of the sequence is acknowledged while they run (a write that found the store
  // lock held by readers for good would time out: 15 s per request here, 7 s inside coordd).
  constexpr int kWrites = 30;
  int acked = 0;
  const int reads_before = reads;
  for (int i = 0; i < kWrites; ++i)
    if (call(url, "PUT", "/v2/keys/w" + std::to_string(i), "value=x").status == 201) ++acked;
  const int reads_during = reads - reads_before;
  stop = true;
  for (auto& t : readers) t.join();
  BOOST_TEST(acked == kWrites);
  BOOST_TEST(reads_during > 0);  // the reads went on too
  BOOST_TEST(failed_reads == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hostile_members_without_peer_urls,
                      *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}) *
                          boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kEtcd}))

BOOST_AUTO_TEST_CASE(add_or_update_without_peer_urls__answers_as_etcd_and_keeps_the_quorum) {
  ServerCluster coordd(ServerKind::kCoordd, 1), etcd(ServerKind::kEtcd, 1);
  start_or_fail(coordd);
  start_or_fail(etcd);
  auto member_id = [](const std::string& url) {
    const Answer a = call(url, "GET", "/v2/members");
    const auto at = a.body.find("\"id\":\"");
    if (at == std::string::npos) return std::string();
    const auto end = a.body.find('"', at + 6);  // ids are hex without leading zeros
    return a.body.substr(at + 6, end - at - 6);
  };
  const std::string coordd_id = member_id(coordd.client_url(0)), etcd_id = member_id(etcd.client_url(0));
  BOOST_REQUIRE(!coordd_id.empty() && !etcd_id.empty());
  for (const char* body : {R"({"peerURLs":[]})", R"({})", R"({"peerURLs":null})", R"(null)",
                           R"({"peerURLs":["http://127.0.0.1"]})", R"({"peerURLs":["http://127.0.0.1:1/x"]})"}) {
    const Answer ours = call(coordd.client_url(0), "POST", "/v2/members", body, "application/json");
    const Answer theirs = call(etcd.client_url(0), "POST", "/v2/members", body, "application/json");
    BOOST_TEST_CONTEXT("POST " << body) {
      BOOST_TEST(ours.status == 400);
      BOOST_TEST(ours.status == theirs.status);
      BOOST_TEST(ours.body == theirs.body);
    }
    const Answer ours_put = call(coordd.client_url(0), "PUT", "/v2/members/" + coordd_id, body, "application/json");
    const Answer theirs_put = call(etcd.client_url(0), "PUT", "/v2/members/" + etcd_id, body, "application/json");
    BOOST_TEST_CONTEXT("PUT " << body) {
      BOOST_TEST(ours_put.status == theirs_put.status);
      BOOST_TEST(ours_put.body == theirs_put.body);
    }
  }
  // Still one member, still writable: the refused add cost nothing.
  BOOST_TEST(count_of(call(coordd.client_url(0), "GET", "/v2/members").body, "\"id\"") == 1u);
  BOOST_TEST(call(coordd.client_url(0), "PUT", "/v2/keys/after", "value=1").status == 201);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(force_new_cluster, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(survivor_of_a_lost_quorum__serves_alone_takes_writes_and_grows_again) {
  ServerCluster c(ServerKind::kCoordd, 3);
  start_or_fail(c);
  constexpr int kAcked = 40;
  for (int i = 0; i < kAcked; ++i)
    BOOST_REQUIRE(call(c.client_url(i % 3), "PUT", "/v2/keys/acked/k" + std::to_string(i), "value=v" + std::to_string(i)).status == 201);

  // The fault: members 1 and 2 are lost for good; the survivor is stopped too (kill -9) and
  // restarted with --force-new-cluster.
  c.kill(1);
  c.kill(2);
  c.kill(0);
  c.set_member_args(0, {"--force-new-cluster"});
  BOOST_REQUIRE_MESSAGE(c.restart(0), c.last_error());
  const std::string url = c.client_url(0);

  // What must hold: one member, every acknowledged write there, new writes acknowledged.
  BOOST_TEST(eventually([&] { return count_of(call(url, "GET", "/v2/members").body, "\"id\"") == 1u; }, 10s));
  for (int i = 0; i < kAcked; ++i) {
    const Answer a = call(url, "GET", "/v2/keys/acked/k" + std::to_string(i));
    BOOST_TEST(a.status == 200);
    BOOST_TEST(a.body.find("\"value\":\"v" + std::to_string(i) + "\"") != std::string::npos);
  }
  BOOST_TEST(call(url, "PUT", "/v2/keys/after-force", "value=1").status == 201);

  // Later restarts need no flag: the removals are in its log.
  c.set_member_args(0, {});
  c.kill(0);
  BOOST_REQUIRE_MESSAGE(c.restart(0), c.last_error());
  BOOST_TEST(call(url, "PUT", "/v2/keys/after-restart", "value=2").status == 201);

  // A new member is added and started with --initial-cluster-state existing; it catches up.
  coord::test::TempDir dir("coord-force-join");
  const std::string peer = "http://127.0.0.1:" + std::to_string(coord::test::free_port());
  const std::string client_url = "http://127.0.0.1:" + std::to_string(coord::test::free_port());
  const Answer added = call(url, "POST", "/v2/members", R"({"peerURLs":[")" + peer + R"("]})", "application/json");
  BOOST_REQUIRE_MESSAGE(added.status == 201, added.body);
  const std::vector<std::string> argv = {
      *coord::test::server_binary(ServerKind::kCoordd), "--name=m3", "--data-dir=" + dir.file("m3.data"),
      "--listen-client-urls=" + client_url, "--advertise-client-urls=" + client_url, "--listen-peer-urls=" + peer,
      "--initial-advertise-peer-urls=" + peer, "--initial-cluster=m0=" + c.peer_url(0) + ",m3=" + peer,
      "--initial-cluster-state=existing", "--initial-cluster-token=coord-test-cluster"};
  coord::test::Process joiner(argv, dir.file("m3.log"));
  BOOST_REQUIRE_MESSAGE(coord::test::wait_http_ready(client_url, std::chrono::steady_clock::now() + 30s),
                        "the new member did not become ready:\n" << joiner.log_tail());
  BOOST_TEST(eventually([&] { return call(client_url, "GET", "/v2/keys/after-restart").status == 200; }, 20s));
  for (int i = 0; i < kAcked; ++i) BOOST_TEST(call(client_url, "GET", "/v2/keys/acked/k" + std::to_string(i)).status == 200);
  // Two members now: a write needs both, and reaches the new one.
  BOOST_TEST(call(url, "PUT", "/v2/keys/two-members", "value=3").status == 201);
  BOOST_TEST(eventually([&] { return call(client_url, "GET", "/v2/keys/two-members").status == 200; }, 20s));
  BOOST_TEST(count_of(call(client_url, "GET", "/v2/members").body, "\"id\"") == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
