// coordd's proxy mode (--proxy on|readonly) in front of a 3-member cluster of real processes on
// loopback, coordd members and etcd members alike: requests and watches pass through untouched,
// a member that goes away is held out and the next one used, a POST is never sent twice, and the
// proxy restarts on the cluster file it recorded. Every process is started by the test and
// killed by pid (ServerCluster, ProxyProcess). Skipped without $COORDD (and without etcd for
// the etcd variants).
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <mutex>
#include <thread>

#include "coord/coord.hpp"
#include "test/support/client/collected_events.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/process/proxy_process.hpp"
#include "test/support/tls/test_pki.hpp"

using namespace std::chrono_literals;
using coord::test::ProxyProcess;
using coord::test::raw_request;
using coord::test::ServerCluster;
using coord::test::ServerKind;

namespace {

// Short hold-out and refresh so that the failure tests run in seconds.
const std::vector<std::string> kFastProxy = {"--proxy-failure-wait", "500", "--proxy-refresh-interval", "500"};

std::unique_ptr<ServerCluster> start_cluster(ServerKind kind) {
  auto cluster = std::make_unique<ServerCluster>(kind, 3);
  BOOST_REQUIRE_MESSAGE(cluster->start(), cluster->last_error());
  return cluster;
}

std::unique_ptr<ProxyProcess> start_proxy(const ServerCluster& cluster, const std::string& mode = "on",
                                          std::vector<std::string> extra = kFastProxy) {
  auto proxy = std::make_unique<ProxyProcess>(cluster, mode, std::move(extra));
  BOOST_REQUIRE_MESSAGE(proxy->start(), proxy->last_error());
  BOOST_REQUIRE_MESSAGE(proxy->wait_endpoints(3), "the proxy did not learn 3 members: " << proxy->log_tail());
  return proxy;
}

int index_of(const ServerCluster& cluster, const std::string& client_url) {
  for (int i = 0; i < cluster.size(); ++i)
    if (cluster.client_url(i) == client_url) return i;
  BOOST_FAIL("not a member client URL: " << client_url);
  return -1;
}

// Polls `url` + `target` with GET until it answers `status` or `timeout` passes.
bool wait_status(const std::string& url, const std::string& target, int status, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = raw_request(url, "GET", target, {}, 2s);
    if (r && r->status == status) return true;
    std::this_thread::sleep_for(50ms);  // poll interval of a bounded wait
  }
  return false;
}

// Only whole numbers count: a stream read as it arrives may end inside one ("modifiedIndex":1
// of what will be 12), and a number is whole once a non-digit follows it.
std::vector<std::uint64_t> modified_indexes(const std::string& text) {
  std::vector<std::uint64_t> out;
  const std::string field = "\"modifiedIndex\":";
  for (auto at = text.find(field); at != std::string::npos; at = text.find(field, at + 1)) {
    const auto digits = at + field.size();
    const auto end = text.find_first_not_of("0123456789", digits);
    if (end == std::string::npos || end == digits) break;
    out.push_back(std::stoull(text.substr(digits, end - digits)));
  }
  return out;
}

std::string to_text(const std::vector<std::uint64_t>& v) {
  std::string out;
  for (auto i : v) out += (out.empty() ? "" : " ") + std::to_string(i);
  return "[" + out + "]";
}

std::uint64_t etcd_index(const coord::test::RawReply& r) { return std::stoull(r.header("X-Etcd-Index").value_or("0")); }

// A stream=true watch read as it arrives (raw socket): what the proxy passes on, and when.
class StreamWatch {
 public:
  StreamWatch(const std::string& url, const std::string& target) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    BOOST_REQUIRE(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  }
  ~StreamWatch() { ::close(fd_); }
  // Waits for the answer's head. A member sends it once the watcher is registered, so writes made
  // after it reach the stream as live events. A write that lands before the registration is
  // found in the event history instead, and a v2 stream watch answered from the history carries
  // that one event only (etcd then leaves the stream open and silent, coordd ends it): a test
  // that writes before the head has arrived races its own watch.
  bool wait_head(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (raw_.find("\r\n\r\n") == std::string::npos && !ended_)
      if (!read_some(deadline)) break;
    return raw_.find("\r\n\r\n") != std::string::npos;
  }
  // Reads until `n` events have arrived, the stream ends or `timeout` passes; the events' indexes.
  std::vector<std::uint64_t> wait_events(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (node_indexes().size() < n && !ended_)
      if (!read_some(deadline)) break;
    return node_indexes();
  }
  // Waits for the end of the stream (the member behind it went away).
  bool wait_end(std::chrono::milliseconds timeout) {
    wait_events(std::numeric_limits<std::size_t>::max() / 4, timeout);
    return ended_;
  }
  // The node modifiedIndex of each event (events here create new keys: one index each).
  std::vector<std::uint64_t> node_indexes() const { return modified_indexes(raw_); }
  bool ended() const { return ended_; }

 private:
  // One read of what has arrived, waiting until `deadline` at most; false when nothing came.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[8192];
    const auto got = ::recv(fd_, buf, sizeof buf, 0);
    if (got > 0) raw_.append(buf, static_cast<std::size_t>(got));
    if (got <= 0 || raw_.ends_with("\r\n0\r\n\r\n")) ended_ = true;  // closed, or the last chunk
    return true;
  }

  int fd_ = -1;
  std::string raw_;
  bool ended_ = false;
};

}  // namespace

// Registers NAME__coordd and NAME__etcd: the same body behind the coordd proxy, with coordd
// members and with etcd members. The proxy is always coordd.
#define PROXY_CASE(NAME)                                                                                         \
  static void NAME##_body(ServerKind kind);                                                                      \
  BOOST_AUTO_TEST_CASE(NAME##__coordd) { NAME##_body(ServerKind::kCoordd); }                                     \
  BOOST_AUTO_TEST_CASE(NAME##__etcd,                                                                             \
                       *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kEtcd})) {       \
    NAME##_body(ServerKind::kEtcd);                                                                              \
  }                                                                                                              \
  static void NAME##_body(ServerKind kind)

BOOST_AUTO_TEST_SUITE(proxy, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

// Claim: keys, in-order keys, a long-poll and a stream watch, and the other client paths all
// pass through, with the member's own headers and nothing added (one CORS set, not two).
PROXY_CASE(forwards__keys_watches_and_cluster_paths_untouched) {
  auto cluster = start_cluster(kind);
  auto proxy = start_proxy(*cluster);
  const auto url = proxy->url();
  auto put = raw_request(url, "PUT", "/v2/keys/p/a", "value=1");
  BOOST_REQUIRE(put);
  BOOST_TEST(put->status == 201);
  BOOST_TEST(put->body.find("\"value\":\"1\"") != std::string::npos);
  auto via_proxy = raw_request(url, "GET", "/v2/keys/p/a?quorum=true");
  auto direct = raw_request(cluster->client_url(0), "GET", "/v2/keys/p/a?quorum=true");
  BOOST_REQUIRE(via_proxy && direct);
  BOOST_TEST(via_proxy->status == 200);
  BOOST_TEST(via_proxy->body == direct->body);
  auto names = [](const coord::test::RawReply& r) {
    std::multiset<std::string> out;
    for (const auto& [n, v] : r.headers) out.insert(n);
    return out;
  };
  BOOST_TEST(names(*via_proxy) == names(*direct));  // the same headers, none twice
  auto head = raw_request(url, "HEAD", "/v2/keys/p/a?quorum=true");
  BOOST_REQUIRE(head);
  BOOST_TEST(head->status == 200);
  BOOST_TEST(head->header("Content-Length").value_or("none") == std::to_string(direct->body.size()));  // the member's length, no body
  auto post = raw_request(url, "POST", "/v2/keys/p/q", "value=x");
  BOOST_REQUIRE(post);
  BOOST_TEST(post->status == 201);
  BOOST_TEST(post->body.find("\"action\":\"create\"") != std::string::npos);
  for (const char* path : {"/version", "/health", "/v2/members", "/v2/machines", "/v2/stats/self", "/v2/stats/store"}) {
    auto r = raw_request(url, "GET", path);
    BOOST_REQUIRE_MESSAGE(r, path);
    BOOST_TEST(r->status == 200, path << " answered " << r->status);
  }

  // A long poll: answered when the write happens, not before.
  const auto next = etcd_index(*post) + 1;
  std::optional<coord::test::RawReply> polled;
  std::thread poller([&] { polled = raw_request(url, "GET", "/v2/keys/p/w?wait=true&waitIndex=" + std::to_string(next), {}, 20s); });
  // A stream watch: each event passes on as it happens.
  StreamWatch stream(url, "/v2/keys/p/s?wait=true&recursive=true&stream=true&waitIndex=" + std::to_string(next));
  BOOST_REQUIRE(stream.wait_head());
  auto w = raw_request(url, "PUT", "/v2/keys/p/w", "value=now");
  poller.join();
  BOOST_REQUIRE(polled && w);
  BOOST_TEST(polled->status == 200);
  BOOST_TEST(modified_indexes(polled->body) == std::vector<std::uint64_t>{etcd_index(*w)});
  std::vector<std::uint64_t> written;
  for (int i = 0; i < 3; ++i) {
    auto s = raw_request(url, "PUT", "/v2/keys/p/s/k" + std::to_string(i), "value=v");
    BOOST_REQUIRE(s && s->status == 201);
    written.push_back(etcd_index(*s));
    const auto streamed = stream.wait_events(written.size());
    BOOST_TEST(streamed == written, "streamed " << to_text(streamed) << ", written " << to_text(written));  // before the next write: nothing held back
  }

  // The SDK's Watcher through the proxy.
  coord::ClientOptions options;
  options.endpoints = {url};
  coord::Client client(options);
  coord::test::CollectedEvents got;
  coord::Watcher watcher(client, "/p/sdk", got.callback(), coord::WatcherOptions{.recursive = true});
  BOOST_REQUIRE(got.wait_for(1));
  const auto set = client.set("/p/sdk/x", "1");
  BOOST_REQUIRE(got.wait_for(2));
  BOOST_TEST(got.copy()[1].response.node.modified_index == set.node.modified_index);
}

// Claim: readonly answers 501 with no body to anything but GET (as etcd), and GET still passes.
PROXY_CASE(readonly__refuses_everything_but_get_with_501) {
  auto cluster = start_cluster(kind);
  auto proxy = start_proxy(*cluster, "readonly");
  for (const char* method : {"PUT", "POST", "DELETE", "HEAD"}) {
    auto r = raw_request(proxy->url(), method, "/v2/keys/ro", method == std::string("HEAD") ? "" : "value=1");
    BOOST_REQUIRE_MESSAGE(r, method);
    BOOST_TEST(r->status == 501, method << " answered " << r->status);
    BOOST_TEST(r->body.empty());
  }
  auto direct = raw_request(cluster->client_url(1), "PUT", "/v2/keys/ro", "value=1");
  BOOST_REQUIRE(direct && direct->status == 201);
  auto get = raw_request(proxy->url(), "GET", "/v2/keys/ro?quorum=true");
  BOOST_REQUIRE(get);
  BOOST_TEST(get->status == 200);
  BOOST_TEST(get->body.find("\"value\":\"1\"") != std::string::npos);
}

// Claim: --proxy-read-timeout bounds each read of a member's answer: a watch that hears nothing
// for that long ends (its head already passed on), and the member is not held out for it.
PROXY_CASE(read_timeout__ends_a_quiet_watch_without_holding_the_member_out) {
  auto cluster = start_cluster(kind);
  auto proxy = start_proxy(*cluster, "on", {"--proxy-read-timeout", "300", "--proxy-refresh-interval", "60000"});
  const auto start = std::chrono::steady_clock::now();
  auto quiet = raw_request(proxy->url(), "GET", "/v2/keys/quiet?wait=true", {}, 10s);
  const auto took = std::chrono::steady_clock::now() - start;
  BOOST_REQUIRE_MESSAGE(quiet, "the quiet watch did not end: " << proxy->log_tail());
  BOOST_TEST(quiet->status == 200);
  BOOST_TEST(quiet->body.empty());
  BOOST_TEST(took < 5s);
  BOOST_TEST(proxy->endpoints().size() == 3u);
  auto put = raw_request(proxy->url(), "PUT", "/v2/keys/quiet", "value=1");
  BOOST_REQUIRE(put);
  BOOST_TEST(put->status == 201);
}

// Fault: every member is killed. Must hold: the proxy answers 503 in etcd's words at once (no
// hang), and serves again once the members are back.
PROXY_CASE(all_members_down__503_then_serves_again) {
  auto cluster = start_cluster(kind);
  // etcd's default hold-out, long enough that the check below sees the members still held out.
  auto proxy = start_proxy(*cluster, "on", {"--proxy-failure-wait", "5000", "--proxy-refresh-interval", "500"});
  BOOST_REQUIRE(raw_request(proxy->url(), "PUT", "/v2/keys/down", "value=1")->status == 201);
  for (int i = 0; i < cluster->size(); ++i) cluster->kill(i);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto r = raw_request(proxy->url(), "GET", "/v2/keys/down", {}, 5s);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 503);
    BOOST_TEST(r->body == R"({"message":"httpproxy: zero endpoints currently available"})");
  }
  BOOST_TEST(proxy->endpoints().empty());  // each member failed to dial: all held out
  BOOST_REQUIRE_MESSAGE(cluster->restart_all_stopped(), cluster->last_error());
  BOOST_TEST(wait_status(proxy->url(), "/v2/keys/down?quorum=true", 200, 15s));
  BOOST_TEST(proxy->wait_endpoints(3));  // back in use once their hold-out ran out
}

// Fault: the proxy is restarted while every member is down, with --initial-cluster now naming
// nobody. Must hold: it starts from the peer URLs it recorded, answers 503 while the cluster is
// down, and forwards again once the members are back.
PROXY_CASE(restart_with_cluster_down__serves_from_the_recorded_cluster) {
  auto cluster = start_cluster(kind);
  auto proxy = start_proxy(*cluster);
  BOOST_REQUIRE(raw_request(proxy->url(), "PUT", "/v2/keys/rec", "value=kept")->status == 201);
  BOOST_TEST(std::filesystem::exists(proxy->data_dir() + "/proxy/cluster"));
  proxy->kill();
  for (int i = 0; i < cluster->size(); ++i) cluster->kill(i);
  BOOST_REQUIRE_MESSAGE(proxy->start({"--initial-cluster", "nobody=http://127.0.0.1:1"}), proxy->last_error());
  auto r = raw_request(proxy->url(), "GET", "/v2/keys/rec", {}, 5s);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 503);
  BOOST_REQUIRE_MESSAGE(cluster->restart_all_stopped(), cluster->last_error());
  BOOST_TEST(wait_status(proxy->url(), "/v2/keys/rec?quorum=true", 200, 15s), proxy->log_tail());
  auto after = raw_request(proxy->url(), "GET", "/v2/keys/rec?quorum=true");
  BOOST_REQUIRE(after);
  BOOST_TEST(after->body.find("\"value\":\"kept\"") != std::string::npos);
}

// Fault: under 4 writers posting in-order keys through the proxy, the member the proxy uses is
// killed (and restarted), then the leader is killed. Must hold: every acknowledged POST is in
// the directory exactly once, and no POST (acknowledged or not) is there twice.
PROXY_CASE(writers__member_and_leader_killed__no_ack_lost_no_post_duplicated) {
  auto cluster = start_cluster(kind);
  auto proxy = start_proxy(*cluster);
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::mutex mu;
  std::vector<std::string> acked;  // guarded by mu
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const std::string value = "w" + std::to_string(t) + "-" + std::to_string(i);
        auto r = raw_request(proxy->url(), "POST", "/v2/keys/queue", "value=" + value, 20s);
        if (r && r->status == 201) {
          std::lock_guard lock(mu);
          acked.push_back(value);
          ++acked_count;
        }
      }
    });
  }
  auto progress = [&](int more) {
    const int target = acked_count + more;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (acked_count < target && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    return acked_count >= target;
  };
  BOOST_CHECK(progress(40));
  const int in_use = index_of(*cluster, proxy->endpoints().front());
  cluster->kill(in_use);
  BOOST_CHECK_MESSAGE(progress(40), "no progress after killing the member in use");
  BOOST_CHECK_MESSAGE(cluster->restart(in_use), cluster->last_error());
  BOOST_CHECK(progress(40));
  const auto leader = cluster->leader();
  BOOST_CHECK(leader);
  if (leader) cluster->kill(*leader);
  BOOST_CHECK_MESSAGE(progress(40), "no progress after killing the leader");
  stop = true;
  for (auto& w : writers) w.join();

  int reader = 0;
  while (!cluster->running(reader)) ++reader;
  auto dir = raw_request(cluster->client_url(reader), "GET", "/v2/keys/queue?recursive=true&sorted=true&quorum=true", {}, 20s);
  BOOST_REQUIRE(dir && dir->status == 200);
  std::map<std::string, int> stored;
  const std::string field = "\"value\":\"";
  for (auto at = dir->body.find(field); at != std::string::npos; at = dir->body.find(field, at + 1)) {
    const auto start = at + field.size();
    ++stored[dir->body.substr(start, dir->body.find('"', start) - start)];
  }
  BOOST_TEST_MESSAGE(acked.size() << " POSTs acknowledged, " << stored.size() << " stored");
  for (const auto& value : acked) BOOST_TEST(stored[value] == 1, value << " stored " << stored[value] << " times");
  for (const auto& [value, n] : stored) BOOST_TEST(n == 1, value << " stored " << n << " times");
}

// Fault: the member the proxy uses for a long-poll watch (the SDK's Watcher) and for a
// stream=true watch is killed while writes go on elsewhere. Must hold: the stream ends (no
// hang), a new stream through the proxy from the next index misses nothing, and the Watcher
// (whose polls cross the outage) delivers every write once, in order, with no gap.
PROXY_CASE(watches__across_the_member_in_use_going_down_resume_without_a_gap) {
  auto cluster = start_cluster(kind);
  // Each refresh reshuffles the members (as etcd's proxy does); a long interval keeps the one
  // in use the first in the list for the whole test.
  auto proxy = start_proxy(*cluster, "on", {"--proxy-failure-wait", "500", "--proxy-refresh-interval", "60000"});
  const int in_use = index_of(*cluster, proxy->endpoints().front());
  std::vector<std::string> others;
  for (int i = 0; i < cluster->size(); ++i)
    if (i != in_use) others.push_back(cluster->client_url(i));
  coord::ClientOptions writer_options;
  writer_options.endpoints = others;
  coord::Client writer(writer_options);
  writer.mkdir("/wd");
  // The member in use may be a follower that has not applied the mkdir yet: the Watcher's first
  // read through it would then start the watch before the mkdir, and the mkdir would come as an
  // event of its own.
  BOOST_REQUIRE(wait_status(cluster->client_url(in_use), "/v2/keys/wd", 200, 10s));
  coord::ClientOptions watch_options;
  watch_options.endpoints = {proxy->url()};
  coord::Client watching(watch_options);
  coord::test::CollectedEvents got;
  coord::Watcher watcher(watching, "/wd", got.callback(),
                         coord::WatcherOptions{.recursive = true, .poll_timeout = 5s, .confirm_after = 0ms});
  BOOST_REQUIRE(got.wait_for(1));
  const auto from = got.copy()[0].next_index;
  StreamWatch stream(proxy->url(), "/v2/keys/wd?wait=true&recursive=true&stream=true&waitIndex=" + std::to_string(from));
  BOOST_REQUIRE(stream.wait_head());
  std::vector<std::uint64_t> written;
  auto write_some = [&](int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) written.push_back(writer.set("/wd/" + tag + std::to_string(i), tag).node.modified_index);
  };
  write_some(3, "a");
  const auto streamed = stream.wait_events(3);
  BOOST_REQUIRE_MESSAGE(streamed == written, "streamed " << to_text(streamed) << ", written " << to_text(written)
                                                         << " (the Watcher's first event says next index " << from
                                                         << "; the stream " << (stream.ended() ? "ended" : "is open") << ")");
  BOOST_REQUIRE(got.wait_for(1 + written.size()));
  cluster->kill(in_use);
  // It may have led: a write during the election could end with an unknown outcome, which the
  // client reports instead of sending it again.
  BOOST_REQUIRE(cluster->leader().has_value());
  BOOST_TEST(stream.wait_end(10s));  // the member behind the stream is gone: the stream ends
  const auto seen = stream.node_indexes();
  // Resume from the next index (no event there yet, so the watcher is registered live), and
  // write the rest once the first one has come through.
  StreamWatch resumed(proxy->url(),
                      "/v2/keys/wd?wait=true&recursive=true&stream=true&waitIndex=" + std::to_string(seen.back() + 1));
  BOOST_REQUIRE(resumed.wait_head());
  write_some(1, "b");
  BOOST_REQUIRE(resumed.wait_events(1).size() == 1);
  write_some(3, "c");
  auto rest = resumed.wait_events(written.size() - seen.size());
  std::vector<std::uint64_t> all = seen;
  all.insert(all.end(), rest.begin(), rest.end());
  BOOST_TEST(all == written);
  BOOST_REQUIRE(got.wait_for(1 + written.size()));
  auto events = got.copy();
  BOOST_REQUIRE_EQUAL(events.size(), 1 + written.size());
  for (std::size_t i = 0; i < written.size(); ++i) BOOST_TEST(events[i + 1].response.node.modified_index == written[i]);
  BOOST_CHECK_MESSAGE(cluster->restart(in_use), cluster->last_error());
}

// Members whose peer URLs are https (certificates required): the proxy asks them for the member
// list over TLS with its own peer TLS flags, as etcd's proxy does. It used to ask with no TLS
// settings at all and so never learned a member.
BOOST_AUTO_TEST_CASE(members_with_https_peer_urls_are_learned_with_the_peer_tls_flags) {
  coord::test::TestPki pki;
  BOOST_REQUIRE_MESSAGE(pki.make_ca("ca") && pki.issue("ca", "member"), pki.last_error());
  const std::vector<std::string> peer_tls = {"--peer-cert-file=" + pki.cert("member"), "--peer-key-file=" + pki.key("member"),
                                             "--peer-trusted-ca-file=" + pki.cert("ca"), "--peer-client-cert-auth"};
  coord::test::ClusterOptions o;
  o.peer_tls = true;
  o.extra_args = peer_tls;
  ServerCluster cluster(ServerKind::kCoordd, 1, o);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  BOOST_REQUIRE(cluster.peer_url(0).rfind("https://", 0) == 0);
  std::vector<std::string> extra = kFastProxy;
  extra.insert(extra.end(), peer_tls.begin(), peer_tls.end() - 1);
  ProxyProcess proxy(cluster, "on", extra);
  BOOST_REQUIRE_MESSAGE(proxy.start(), proxy.last_error());
  BOOST_REQUIRE_MESSAGE(proxy.wait_endpoints(1), "the proxy did not learn the member: " << proxy.log_tail());
  const auto put = raw_request(proxy.url(), "PUT", "/v2/keys/through", "value=tls");
  BOOST_REQUIRE(put.has_value());
  BOOST_TEST(put->status == 201);
}

BOOST_AUTO_TEST_SUITE_END()
