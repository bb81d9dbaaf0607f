// coordd's /metrics page against a real single-member coordd: the raft and store figures move
// with the writes and watches that were made (they are read from the member, not printed as
// constants). Skipped when $COORDD is not set.
#include <boost/test/unit_test.hpp>

#include <map>
#include <sstream>
#include <string>

#include "coord/client.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/process/http_probe.hpp"
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

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics, *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}))

BOOST_AUTO_TEST_CASE(raft_and_watch_figures__follow_the_writes_and_watches_made) {
  ServerCluster cluster(ServerKind::kCoordd, 1);
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
}

BOOST_AUTO_TEST_SUITE_END()
