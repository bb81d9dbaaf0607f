// coordd's /metrics and /health against real members: the raft and store figures move with the
// writes and watches that were made; the page passes `promtool check metrics` with no lint but
// those etcd's own page draws for the same names; a real Prometheus server scrapes a 3-member
// cluster; the --listen-metrics-urls listener serves the two endpoints alone; and a member cut
// off from its quorum says it is unhealthy within a second, and healthy again once the quorum is
// back; a snapshot receive counts as in flight while its body comes, and as a failure when the
// body is cut off; a follower keeps a stream to every other member and counts one that goes away.
// Skipped when $COORDD is not set.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "coord/client.hpp"
#include "test/support/net/raw_connection.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/process.hpp"
#include "test/support/process/server_cluster.hpp"

using namespace std::chrono_literals;
using coord::test::ServerCluster;
using coord::test::ServerKind;

namespace {

// The unlabelled samples of a Prometheus text page, by metric name.
std::map<std::string, double> samples(const std::string& url) {
  auto page = coord::test::http_get(url + "/metrics", 2s);
  BOOST_REQUIRE(page);
  BOOST_REQUIRE_EQUAL(page->status, 200);
  std::map<std::string, double> out;
  std::istringstream lines(page->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || line.find('{') != std::string::npos) continue;
    const auto space = line.find(' ');
    if (space != std::string::npos) out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// The lines `promtool check metrics` prints about the page at `url` + "/metrics" (fetched with
// curl, which also undoes the chunked encoding etcd sends its page in), or nullopt (with a test
// failure) when the page cannot be fetched or promtool reports more than lints.
std::optional<std::set<std::string>> promtool_findings(const std::string& url) {
  coord::test::TempDir dir("coord-promtool");
  coord::test::Process promtool(
      {"/bin/bash", "-c", "set -o pipefail; curl -sSf " + url + "/metrics | promtool check metrics"}, dir.file("out.txt"));
  const auto status = promtool.wait_exit(10s);
  BOOST_REQUIRE(status);
  std::ifstream in(dir.file("out.txt"));
  std::set<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.insert(line);
  // 0: clean; 3: lints only. Anything else (1: the page did not parse; curl's codes) fails.
  const int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  BOOST_TEST_CONTEXT("promtool exit " << code << ": " << (lines.empty() ? "" : *lines.begin())) {
    BOOST_TEST((code == 0 || code == 3));
  }
  if (code != 0 && code != 3) return std::nullopt;
  return lines;
}

std::string page_of(const std::string& url) {
  auto page = coord::test::http_get(url + "/metrics", 2s);
  BOOST_REQUIRE(page);
  BOOST_REQUIRE_EQUAL(page->status, 200);
  return page->body;
}

// The result vector of a Prometheus instant query: label set ("instance") to value.
std::map<std::string, double> prometheus_query(const std::string& api, const std::string& encoded_query) {
  std::map<std::string, double> out;
  auto reply = coord::test::http_get(api + "/api/v1/query?query=" + encoded_query, 2s);
  if (!reply || reply->status != 200) return out;
  const auto doc = boost::json::parse(reply->body);
  for (const auto& r : doc.at("data").at("result").as_array()) {
    const auto& metric = r.at("metric").as_object();
    const std::string instance = metric.contains("instance") ? std::string(metric.at("instance").as_string()) : "";
    out[instance] = std::stod(std::string(r.at("value").as_array().at(1).as_string()));
  }
  return out;
}

std::string host_port(const std::string& url) { return url.substr(url.find("://") + 3); }

// The value of the sample `series` (name and labels, as the page writes them) on `page`, or
// nullopt when the page has no such line.
std::optional<double> sample_of(const std::string& page, const std::string& series) {
  const auto at = page.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(page.substr(at + 1 + series.size() + 1));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(raft_and_watch_figures__follow_the_writes_and_watches_made) {
  coord::test::ClusterOptions cluster_options;
  cluster_options.extra_args = {"--snapshot-count", "4"};  // the writes below take at least one snapshot
  ServerCluster cluster(ServerKind::kCoordd, 1, cluster_options);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  const std::string url = cluster.client_url(0);
  const auto before = samples(url);
  BOOST_TEST(before.at("etcd_server_has_leader") == 1);
  BOOST_TEST(before.at("etcd_server_is_leader") == 1);
  BOOST_TEST(before.at("etcd_server_leader_changes_seen_total") >= 1);
  // Bootstrap, cluster version and publish are committed and applied before clients are served.
  BOOST_TEST(before.at("etcd_server_proposals_committed_total") >= 3);

  coord::ClientOptions options;
  options.endpoints = {url};
  coord::Client client(options);
  for (int i = 0; i < 5; ++i) client.set("/metrics/k" + std::to_string(i), "v");
  // A watch whose event is already in the history answers at once and still counts.
  auto watched = coord::test::http_get(url + "/v2/keys/metrics/k0?wait=true&waitIndex=1", 2s);
  BOOST_REQUIRE(watched);
  BOOST_TEST(watched->status == 200);

  const auto after = samples(url);
  BOOST_TEST(after.at("etcd_server_proposals_committed_total") >= before.at("etcd_server_proposals_committed_total") + 5);
  BOOST_TEST(after.at("etcd_server_proposals_applied_total") >= before.at("etcd_server_proposals_applied_total") + 5);
  BOOST_TEST(after.at("etcd_server_proposals_applied_total") <= after.at("etcd_server_proposals_committed_total"));
  BOOST_TEST(after.at("etcd_server_proposals_pending") == 0);
  BOOST_TEST(after.at("etcd_server_proposals_failed_total") == 0);
  BOOST_TEST(after.at("etcd_debugging_store_watch_requests_total") ==
             before.at("etcd_debugging_store_watch_requests_total") + 1);
  // Each acknowledged set waited for its own fdatasync of the WAL.
  BOOST_TEST(after.at("etcd_disk_wal_fsync_duration_seconds_count") >=
             before.at("etcd_disk_wal_fsync_duration_seconds_count") + 5);
  BOOST_TEST(after.at("etcd_disk_wal_fsync_duration_seconds_sum") > before.at("etcd_disk_wal_fsync_duration_seconds_sum"));
  // Each set's entry was written to the WAL, value and key included.
  BOOST_TEST(after.at("etcd_disk_wal_write_bytes_total") >= before.at("etcd_disk_wal_write_bytes_total") + 5 * 10);
  // The snapshot is written in the background: the whole save is timed last, once it is done.
  BOOST_TEST(coord::test::eventually(
      [&] { return samples(url).at("etcd_debugging_snap_save_total_duration_seconds_count") >= 1; }, 5s));
  const auto saved = samples(url);
  BOOST_TEST(saved.at("etcd_snap_fsync_duration_seconds_count") >= 1);
  BOOST_TEST(saved.at("etcd_debugging_snap_save_marshalling_duration_seconds_count") >= 1);
}

BOOST_AUTO_TEST_CASE(page__passes_promtool_with_exactly_the_lints_etcds_own_page_draws,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kEtcd})) {
  // A 3-member cluster, so that the per-peer etcd_network_* families are on the page too.
  ServerCluster* cluster = coord::test::shared_cluster(ServerKind::kCoordd, 3);
  ServerCluster* etcd = coord::test::shared_cluster(ServerKind::kEtcd, 1);
  BOOST_REQUIRE(cluster);
  BOOST_REQUIRE(etcd);
  BOOST_TEST(page_of(cluster->client_url(0)).find("etcd_network_peer_sent_bytes_total{To=") != std::string::npos);
  const auto ours = promtool_findings(cluster->client_url(0));
  const auto etcds = promtool_findings(etcd->client_url(0));
  BOOST_REQUIRE(ours);
  BOOST_REQUIRE(etcds);
  BOOST_TEST(!ours->empty());  // etcd's names draw lints; an empty list means nothing was checked
  // Every lint is one etcd's page draws for the same name (e.g. etcd_server_health_success
  // "counter metrics should have "_total" suffix"): the names are etcd's, kept as they are.
  for (const auto& finding : *ours) {
    BOOST_TEST_CONTEXT(finding) { BOOST_TEST(etcds->count(finding) == 1u); }
  }
}

// Fault: someone sending in member 1's name (any holder of the cluster id can) starts a snapshot
// to member 0, sends part of its body, pauses, then drops the connection. What must hold: while
// the body is awaited, member 0's page says one receive in flight from member 1, as etcd's
// etcd_network_snapshot_receive_inflights_total{From} does, and the page still passes promtool
// (the family draws only the lint its etcd name draws); once the connection is gone the gauge is
// back at 0 and the receive is one more failure from member 1.
BOOST_AUTO_TEST_CASE(snapshot_receive__in_flight_while_its_body_comes_then_a_failure_once_cut_off) {
  ServerCluster* cluster = coord::test::shared_cluster(ServerKind::kCoordd, 3);
  BOOST_REQUIRE(cluster);
  const std::string url = cluster->client_url(0);
  std::string cluster_id, sender_id;
  {
    coord::test::RawConnection c(cluster->peer_url(0));
    BOOST_REQUIRE(c.send("GET /members HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const std::string answer = c.read_answer(2s);
    const auto at = answer.find("X-Etcd-Cluster-Id: ");
    BOOST_REQUIRE(at != std::string::npos);
    cluster_id = answer.substr(at + 19, answer.find("\r\n", at) - at - 19);
    coord::Client client(coord::test::options_for(*cluster));
    for (const auto& m : client.members())
      if (m.name == "m1") sender_id = m.id;
    BOOST_REQUIRE(!sender_id.empty());
  }
  const std::string in_flight = "etcd_network_snapshot_receive_inflights_total{From=\"" + sender_id + "\"}";
  const std::string failures = "etcd_network_snapshot_receive_failures{From=\"" + sender_id + "\"}";
  const double failed_before = sample_of(page_of(url), failures).value_or(0);
  {
    coord::test::RawConnection sender(cluster->peer_url(0));
    // The snapshot stream's upgrade, then 2 bytes of a preamble that never comes whole.
    BOOST_REQUIRE(sender.send("GET /raft/snapshot/stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                              "Upgrade: coord-raft-snapshot/2\r\nX-Etcd-Cluster-Id: " + cluster_id +
                              "\r\nX-Server-From: " + sender_id + "\r\n\r\n" + std::string(2, '\0')));
    BOOST_TEST(coord::test::eventually([&] { return sample_of(page_of(url), in_flight) == 1.0; }, 5s),
               "no receive in flight on:\n" << page_of(url));
    const auto findings = promtool_findings(url);
    BOOST_REQUIRE(findings);
    int about_the_gauge = 0;
    for (const auto& finding : *findings) {
      if (finding.rfind("etcd_network_snapshot_receive_inflights_total ", 0) != 0) continue;
      ++about_the_gauge;
      BOOST_TEST(finding == "etcd_network_snapshot_receive_inflights_total non-counter metrics should not have \"_total\" suffix");
    }
    BOOST_TEST(about_the_gauge == 1);  // promtool saw the family
    BOOST_TEST(sample_of(page_of(url), failures).value_or(0) == failed_before);
  }  // the sender's connection closes here, its preamble short
  BOOST_TEST(coord::test::eventually(
      [&] {
        const std::string page = page_of(url);
        return sample_of(page, in_flight) == 0.0 && sample_of(page, failures) == failed_before + 1;
      },
      5s));
}

BOOST_AUTO_TEST_CASE(prometheus__scrapes_a_3_member_cluster_leader_on_every_member_and_proposals_moving) {
  ServerCluster* cluster = coord::test::shared_cluster(ServerKind::kCoordd, 3);
  BOOST_REQUIRE(cluster);
  coord::test::TempDir dir("coord-prometheus");
  {
    std::ofstream config(dir.file("prometheus.yml"));
    config << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
              "scrape_configs:\n  - job_name: coordd\n    static_configs:\n      - targets: [";
    for (int i = 0; i < cluster->size(); ++i) config << (i ? ", " : "") << "'" << host_port(cluster->client_url(i)) << "'";
    config << "]\n";
  }
  const std::string api = "http://127.0.0.1:" + std::to_string(coord::test::free_port());
  coord::test::Process prometheus({"/usr/bin/prometheus", "--config.file=" + dir.file("prometheus.yml"),
                                   "--storage.tsdb.path=" + dir.file("data"), "--web.listen-address=" + host_port(api)},
                                  dir.file("prometheus.log"));
  coord::Client client(coord::test::options_for(*cluster));
  const std::string prefix = coord::test::test_prefix();
  int writes = 0;
  // Every member scraped and saying it has a leader, and the commit index rising between
  // scrapes while writes go on.
  const bool seen = coord::test::eventually(
      [&] {
        client.set(prefix + "/k" + std::to_string(writes++), "v");
        const auto leaders = prometheus_query(api, "etcd_server_has_leader");
        const auto rates = prometheus_query(api, "rate%28etcd_server_proposals_committed_total%5B3s%5D%29");
        if (leaders.size() != 3u || rates.size() != 3u) return false;
        for (const auto& [instance, v] : leaders)
          if (v != 1) return false;
        for (const auto& [instance, v] : rates)
          if (!(v > 0)) return false;
        return true;
      },
      20s, 100ms);
  BOOST_TEST_CONTEXT("prometheus log tail: " << prometheus.log_tail(1500)) { BOOST_TEST(seen); }
}

BOOST_AUTO_TEST_CASE(metrics_listener__serves_metrics_and_health_only_and_counts_keys_requests_as_etcd) {
  const int port = coord::test::free_port();
  const std::string listener = "http://127.0.0.1:" + std::to_string(port);
  coord::test::ClusterOptions options;
  options.extra_args = {"--listen-metrics-urls", listener};
  ServerCluster cluster(ServerKind::kCoordd, 1, options);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  const std::string keys_url = cluster.client_url(0) + "/v2/keys";
  auto put = coord::test::http_request("PUT", keys_url + "/m", "value=1", 2s);
  BOOST_REQUIRE(put);
  BOOST_TEST(put->status == 201);
  // As etcd counts them: a quorum GET is QGET; a 404 and a failed compare are failures by
  // code; a parse error (400 before the request is understood) and a watch count as received
  // by neither.
  auto qget = coord::test::http_get(keys_url + "/m?quorum=true", 2s);
  BOOST_REQUIRE(qget);
  BOOST_TEST(qget->status == 200);
  auto missing = coord::test::http_get(keys_url + "/missing", 2s);
  BOOST_REQUIRE(missing);
  BOOST_TEST(missing->status == 404);
  auto compare = coord::test::http_request("PUT", keys_url + "/m?prevValue=other", "value=2", 2s);
  BOOST_REQUIRE(compare);
  BOOST_TEST(compare->status == 412);
  auto bad = coord::test::http_request("PUT", keys_url + "/m?ttl=abc", "value=3", 2s);
  BOOST_REQUIRE(bad);
  BOOST_TEST(bad->status == 400);
  auto watch = coord::test::http_get(keys_url + "/m?wait=true&waitIndex=1", 2s);
  BOOST_REQUIRE(watch);
  BOOST_TEST(watch->status == 200);
  const std::string page = page_of(listener);
  BOOST_TEST(page.find("\netcd_http_failed_total{code=\"404\",method=\"GET\"} 1\n"
                       "etcd_http_failed_total{code=\"412\",method=\"PUT\"} 1\n") != std::string::npos);
  BOOST_TEST(page.find("\netcd_http_received_total{method=\"GET\"} 1\n"
                       "etcd_http_received_total{method=\"PUT\"} 2\n"
                       "etcd_http_received_total{method=\"QGET\"} 1\n") != std::string::npos);
  BOOST_TEST(page.find("\netcd_http_successful_duration_seconds_count{method=\"PUT\"} 1\n") != std::string::npos);
  BOOST_TEST(page.find("\netcd_http_successful_duration_seconds_count{method=\"QGET\"} 1\n") != std::string::npos);
  BOOST_TEST(page.find("\netcd_server_has_leader 1\n") != std::string::npos);
  auto health = coord::test::http_get(listener + "/health", 2s);
  BOOST_REQUIRE(health);
  BOOST_TEST(health->status == 200);
  BOOST_TEST(health->body == "{\"health\":\"true\"}");
  // Any method gets the page, as from etcd.
  auto posted = coord::test::http_request("POST", listener + "/metrics", "", 2s);
  BOOST_REQUIRE(posted);
  BOOST_TEST(posted->status == 200);
  auto keys = coord::test::http_get(listener + "/v2/keys/m", 2s);
  BOOST_REQUIRE(keys);
  BOOST_TEST(keys->status == 404);
}

BOOST_AUTO_TEST_CASE(peers_are_probed__round_trips_per_peer_and_the_probing_endpoint_tells_the_time) {
  ServerCluster cluster(ServerKind::kCoordd, 3);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  // Each member probes each other one as soon as it knows it: one histogram per peer.
  BOOST_TEST(coord::test::eventually(
      [&] {
        auto page = coord::test::http_get(cluster.client_url(0) + "/metrics", 2s);
        if (!page) return false;
        std::size_t peers = 0;
        for (std::size_t at = page->body.find("\netcd_network_peer_round_trip_time_seconds_count{To=\"");
             at != std::string::npos;
             at = page->body.find("\netcd_network_peer_round_trip_time_seconds_count{To=\"", at + 1))
          ++peers;
        return peers == 2;
      },
      10s));
  // The endpoint etcd's prober asks, on the peer port, as etcd answers it.
  const auto before = std::chrono::system_clock::now();
  auto probe = coord::test::http_get(cluster.peer_url(1) + "/raft/probing", 2s);
  BOOST_REQUIRE(probe);
  BOOST_TEST(probe->status == 200);
  BOOST_TEST(probe->body.rfind("{\"OK\":true,\"Now\":\"", 0) == 0);
  const auto year = std::to_string(1970 + std::chrono::duration_cast<std::chrono::hours>(before.time_since_epoch()).count() /
                                              (24 * 365 + 6));
  BOOST_TEST(probe->body.find("\"Now\":\"" + year) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(peer_streams__a_follower_keeps_one_to_every_member_and_counts_a_follower_gone) {
  // Fault: one follower of a 3-member cluster is killed (SIGKILL). What must hold, as in etcd 3.4
  // (every member keeps its peer streams to every other member, traffic or not): before, the
  // other follower's /metrics shows etcd_network_active_peers 1 for both other members, the
  // follower it never sends a raft message to included; after, its
  // etcd_network_disconnected_peers_total for the killed one rises and the active gauge for it
  // drops to 0, while the one for the leader stays 1.
  ServerCluster cluster(ServerKind::kCoordd, 3);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  const auto leader = cluster.leader();
  BOOST_REQUIRE(leader);
  const int watcher = (*leader + 1) % 3;
  const int victim = (*leader + 2) % 3;
  auto id_of = [&](int i) {
    auto self = coord::test::http_get(cluster.client_url(i) + "/v2/stats/self", 2s);
    BOOST_REQUIRE(self);
    return std::string(boost::json::parse(self->body).at("id").as_string());
  };
  const std::string labels = "{Local=\"" + id_of(watcher) + "\",Remote=\"";
  const std::string to_leader = labels + id_of(*leader) + "\"}";
  const std::string to_victim = labels + id_of(victim) + "\"}";
  auto value = [&](const std::string& series) {
    return sample_of(page_of(cluster.client_url(watcher)), series).value_or(-1);
  };
  BOOST_REQUIRE(coord::test::eventually(
      [&] {
        const auto page = page_of(cluster.client_url(watcher));
        return sample_of(page, "etcd_network_active_peers" + to_leader) == 1.0 &&
               sample_of(page, "etcd_network_active_peers" + to_victim) == 1.0;
      },
      10s));
  const double disconnects = value("etcd_network_disconnected_peers_total" + to_victim);
  BOOST_REQUIRE(disconnects >= 0);
  cluster.kill(victim);
  BOOST_TEST(coord::test::eventually(
      [&] {
        const auto page = page_of(cluster.client_url(watcher));
        return sample_of(page, "etcd_network_active_peers" + to_victim) == 0.0 &&
               sample_of(page, "etcd_network_disconnected_peers_total" + to_victim) > disconnects;
      },
      10s));
  BOOST_TEST(value("etcd_network_active_peers" + to_leader) == 1.0);
}

BOOST_AUTO_TEST_CASE(health__member_cut_off_from_its_quorum_is_unhealthy_within_a_second_and_healthy_once_back) {
  // Fault: the two other members of a 3-member cluster are frozen (SIGSTOP): the survivor can
  // no longer confirm a read with a quorum. What must hold: its first /health answer after the
  // freeze is 503 {"health":"false"} within the check's one-second bound (plus a second of slack
  // for sanitizer builds), it counts as a failure on /metrics, and once the two are thawed it
  // answers 200 true again.
  ServerCluster cluster(ServerKind::kCoordd, 3);
  BOOST_REQUIRE_MESSAGE(cluster.start(), cluster.last_error());
  const std::string url = cluster.client_url(0);
  auto healthy = coord::test::http_get(url + "/health", 2s);
  BOOST_REQUIRE(healthy);
  BOOST_TEST(healthy->status == 200);
  cluster.freeze(1);
  cluster.freeze(2);
  const auto asked = std::chrono::steady_clock::now();
  auto cut_off = coord::test::http_get(url + "/health", 3s);
  const auto took = std::chrono::steady_clock::now() - asked;
  BOOST_REQUIRE(cut_off);
  BOOST_TEST(cut_off->status == 503);
  BOOST_TEST(cut_off->body == "{\"health\":\"false\"}\n");
  BOOST_TEST(took < 2000ms);
  BOOST_TEST(samples(url).at("etcd_server_health_failures") >= 1);
  cluster.thaw(1);
  cluster.thaw(2);
  BOOST_TEST(coord::test::eventually(
      [&] {
        auto h = coord::test::http_get(url + "/health", 3s);
        return h && h->status == 200 && h->body == "{\"health\":\"true\"}";
      },
      10s));
}

BOOST_AUTO_TEST_SUITE_END()
