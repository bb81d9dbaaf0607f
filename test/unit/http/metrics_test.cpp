// The /metrics page: the text exposition format (MetricsText), the page's families as etcd
// names and orders them (append_metrics_page), and the process figures read from /proc.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "server/http/metrics_page.hpp"
#include "server/http/metrics_process.hpp"
#include "server/http/metrics_text.hpp"

using namespace coord;
using namespace coord::http;

namespace {

bool has_line(const std::string& page, const std::string& line) {
  return page.find(line + "\n") != std::string::npos &&
         (page.rfind(line + "\n", 0) == 0 || page.find("\n" + line + "\n") != std::string::npos);
}

// The family names of a page, in order.
std::vector<std::string> family_names(const std::string& page) {
  std::vector<std::string> names;
  for (std::size_t at = page.find("# TYPE "); at != std::string::npos; at = page.find("# TYPE ", at + 1))
    names.push_back(page.substr(at + 7, page.find(' ', at + 7) - at - 7));
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics_text)

BOOST_AUTO_TEST_CASE(family__help_and_type_lines_with_help_escaped) {
  std::string out;
  MetricsText page(out);
  page.family("a_total", "back\\slash and\nnewline \"kept\"", "counter");
  BOOST_TEST(out == "# HELP a_total back\\\\slash and\\nnewline \"kept\"\n# TYPE a_total counter\n");
}

BOOST_AUTO_TEST_CASE(sample__label_values_escaped_and_numbers_as_go_writes_them) {
  std::string out;
  MetricsText page(out);
  page.sample("m", {{"a", "x\"y\\z\nw"}, {"b", ""}}, 0.5);
  page.sample("m", 1.4834048e+07);
  page.sample("m", 1e21);
  page.sample("m", 18446744073709551615.0);
  page.sample("m", 0);
  BOOST_TEST(out ==
             "m{a=\"x\\\"y\\\\z\\nw\",b=\"\"} 0.5\n"
             "m 1.4834048e+07\n"
             "m 1e+21\n"
             "m 1.8446744073709552e+19\n"
             "m 0\n");
}

BOOST_AUTO_TEST_CASE(histogram__cumulative_buckets_then_inf_sum_count_with_labels_before_le) {
  DurationHistogram h({0.1, 0.2});
  h.observe(std::chrono::milliseconds(50));
  h.observe(std::chrono::milliseconds(150));
  h.observe(std::chrono::seconds(3));
  std::string out;
  MetricsText page(out);
  page.histogram("d_seconds", {{"To", "8e9e05c52164694d"}}, h.snapshot());
  BOOST_TEST(out ==
             "d_seconds_bucket{To=\"8e9e05c52164694d\",le=\"0.1\"} 1\n"
             "d_seconds_bucket{To=\"8e9e05c52164694d\",le=\"0.2\"} 2\n"
             "d_seconds_bucket{To=\"8e9e05c52164694d\",le=\"+Inf\"} 3\n"
             "d_seconds_sum{To=\"8e9e05c52164694d\"} 3.2\n"
             "d_seconds_count{To=\"8e9e05c52164694d\"} 3\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metrics_page)

BOOST_AUTO_TEST_CASE(page__etcd_names_types_and_help_in_name_order) {
  MetricsView m;
  m.member_id = 0x8e9e05c52164694d;
  m.server_version = "3.4.23";
  m.cluster_version = "3.4";
  m.has_leader = m.is_leader = true;
  m.proposals_committed = 12;
  m.health_success = 3;
  m.health_failures = 1;
  m.slow_applies = 4;
  m.read_indexes_failed = 6;
  m.slow_read_indexes = 7;
  m.snapshot_applying = true;
  m.wal_written_bytes = 1440;
  m.store.sets_success = 1161;
  m.store.gets_success = 1354;
  m.store.expire_count = 5;
  m.store.watchers = 2;
  m.process = ProcessFigures{};
  m.process->open_fds = 16;
  m.process->max_fds = 20000;
  std::string out;
  append_metrics_page(out, m);
  for (auto line : {"etcd_cluster_version{cluster_version=\"3.4\"} 1", "etcd_server_id{server_id=\"8e9e05c52164694d\"} 1",
                    "etcd_server_version{server_version=\"3.4.23\"} 1", "etcd_server_has_leader 1",
                    "etcd_server_is_leader 1", "etcd_server_is_learner 0", "etcd_server_proposals_committed_total 12",
                    "# TYPE etcd_server_proposals_committed_total gauge", "etcd_server_health_success 3",
                    "etcd_server_health_failures 1", "etcd_server_slow_apply_total 4",
                    "etcd_server_read_indexes_failed_total 6", "etcd_server_slow_read_indexes_total 7",
                    "etcd_server_snapshot_apply_in_progress_total 1", "etcd_server_heartbeat_send_failures_total 0",
                    "etcd_disk_wal_write_bytes_total 1440", "# TYPE etcd_disk_wal_write_bytes_total gauge",
                    "# HELP etcd_server_health_failures The total number of failed health checks",
                    "etcd_debugging_store_writes_total{action=\"set\"} 1161",
                    "etcd_debugging_store_reads_total{action=\"get\"} 1354", "etcd_debugging_store_watchers 2",
                    "etcd_debugging_store_expires_total 5", "# TYPE etcd_debugging_store_watchers gauge",
                    "# HELP etcd_debugging_store_expires_total Total number of expired keys.", "os_fd_used 16",
                    "os_fd_limit 20000", "process_max_fds 20000", "process_open_fds 16"}) {
    BOOST_TEST_CONTEXT(line) { BOOST_TEST(has_line(out, line)); }
  }
  const auto names = family_names(out);
  BOOST_TEST(std::is_sorted(names.begin(), names.end()));
  BOOST_TEST((std::adjacent_find(names.begin(), names.end()) == names.end()));
  // A CounterVec shows only the label values seen; no peers, no network families.
  BOOST_TEST(out.find("action=\"delete\"") == std::string::npos);
  BOOST_TEST(out.find("etcd_debugging_store_writes_failed_total") == std::string::npos);
  BOOST_TEST(out.find("etcd_network_") == std::string::npos);
  // The snapshot histograms are there before any save, as etcd's are.
  for (auto line : {"etcd_snap_fsync_duration_seconds_count 0", "etcd_debugging_snap_save_total_duration_seconds_count 0",
                    "etcd_debugging_snap_save_marshalling_duration_seconds_bucket{le=\"+Inf\"} 0"}) {
    BOOST_TEST_CONTEXT(line) { BOOST_TEST(has_line(out, line)); }
  }
  BOOST_TEST(out.find("etcd_http_received_total") == std::string::npos);  // basic
}

BOOST_AUTO_TEST_CASE(page__wal_fsync_histogram_in_etcd_buckets) {
  MetricsView m;
  DurationHistogram h(DurationHistogram::exponential_bounds(0.001, 2, 14));
  h.observe(std::chrono::microseconds(150));
  h.observe(std::chrono::microseconds(1500));
  h.observe(std::chrono::seconds(9));
  m.wal_fsync_durations = h.snapshot();
  std::string out;
  append_metrics_page(out, m);
  for (auto line : {"# TYPE etcd_disk_wal_fsync_duration_seconds histogram",
                    "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 1",
                    "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.002\"} 2",
                    "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 2",
                    "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 3",
                    "etcd_disk_wal_fsync_duration_seconds_sum 9.00165", "etcd_disk_wal_fsync_duration_seconds_count 3"}) {
    BOOST_TEST_CONTEXT(line) { BOOST_TEST(has_line(out, line)); }
  }
}

BOOST_AUTO_TEST_CASE(page__network_families_per_peer_with_etcd_labels) {
  MetricsView m;
  m.member_id = 0x1;
  node::PeerActivity a;
  a.id = 0xa;
  a.active_since = std::chrono::steady_clock::now();
  a.sent_bytes = 100;
  a.sent_failures = 2;
  a.received_bytes = 300;
  a.received_failures = 4;
  a.disconnects = 5;
  a.heartbeat_send_failures = 8;
  node::PeerActivity b;
  b.id = 0xb;
  b.heartbeat_send_failures = 1;
  m.peers = {a, b};
  std::string out;
  append_metrics_page(out, m);
  for (auto line : {"etcd_network_active_peers{Local=\"1\",Remote=\"a\"} 1",
                    "etcd_network_active_peers{Local=\"1\",Remote=\"b\"} 0",
                    "etcd_network_disconnected_peers_total{Local=\"1\",Remote=\"a\"} 5",
                    "etcd_network_peer_sent_bytes_total{To=\"a\"} 100", "etcd_network_peer_sent_failures_total{To=\"a\"} 2",
                    "etcd_network_peer_received_bytes_total{From=\"a\"} 300",
                    "etcd_network_peer_received_failures_total{From=\"a\"} 4",
                    "etcd_network_peer_sent_bytes_total{To=\"b\"} 0", "etcd_server_heartbeat_send_failures_total 9",
                    "# TYPE etcd_network_active_peers gauge",
                    "# TYPE etcd_network_peer_sent_bytes_total counter"}) {
    BOOST_TEST_CONTEXT(line) { BOOST_TEST(has_line(out, line)); }
  }
  const auto names = family_names(out);
  BOOST_TEST(std::is_sorted(names.begin(), names.end()));
}

BOOST_AUTO_TEST_CASE(page__http_families_list_the_methods_and_codes_seen_in_label_order) {
  KeysMetrics keys;
  MetricsView empty;
  empty.keys = keys.snapshot();
  std::string none;
  append_metrics_page(none, empty);
  BOOST_TEST(none.find("etcd_http_") == std::string::npos);  // no label set seen: no family

  keys.received(KeysMetricMethod::kPut);
  keys.received(KeysMetricMethod::kPut);
  keys.received(KeysMetricMethod::kGet);
  keys.received(KeysMetricMethod::kQuorumGet);
  keys.failed(KeysMetricMethod::kPut, 412);
  keys.failed(KeysMetricMethod::kGet, 404);
  keys.failed(KeysMetricMethod::kDelete, 404);
  keys.succeeded(KeysMetricMethod::kPut, std::chrono::microseconds(700));   // in the 1 ms bucket
  keys.succeeded(KeysMetricMethod::kQuorumGet, std::chrono::seconds(3));    // past the last bound
  MetricsView m;
  m.keys = keys.snapshot();
  std::string out;
  append_metrics_page(out, m);
  BOOST_TEST(has_line(out, "# TYPE etcd_http_failed_total counter"));
  BOOST_TEST(out.find("etcd_http_failed_total{code=\"404\",method=\"DELETE\"} 1\n"
                      "etcd_http_failed_total{code=\"404\",method=\"GET\"} 1\n"
                      "etcd_http_failed_total{code=\"412\",method=\"PUT\"} 1\n") != std::string::npos);
  BOOST_TEST(out.find("etcd_http_received_total{method=\"GET\"} 1\n"
                      "etcd_http_received_total{method=\"PUT\"} 2\n"
                      "etcd_http_received_total{method=\"QGET\"} 1\n") != std::string::npos);
  BOOST_TEST(out.find("method=\"HEAD\"") == std::string::npos);
  BOOST_TEST(has_line(out, "# TYPE etcd_http_successful_duration_seconds histogram"));
  BOOST_TEST(has_line(out, "etcd_http_successful_duration_seconds_bucket{method=\"PUT\",le=\"0.0005\"} 0"));
  BOOST_TEST(has_line(out, "etcd_http_successful_duration_seconds_bucket{method=\"PUT\",le=\"0.001\"} 1"));
  BOOST_TEST(has_line(out, "etcd_http_successful_duration_seconds_bucket{method=\"QGET\",le=\"2.048\"} 0"));
  BOOST_TEST(has_line(out, "etcd_http_successful_duration_seconds_bucket{method=\"QGET\",le=\"+Inf\"} 1"));
  BOOST_TEST(has_line(out, "etcd_http_successful_duration_seconds_count{method=\"PUT\"} 1"));
  BOOST_TEST(out.find("etcd_http_successful_duration_seconds_count{method=\"GET\"}") == std::string::npos);
  const auto names = family_names(out);
  BOOST_TEST(std::is_sorted(names.begin(), names.end()));
}

BOOST_AUTO_TEST_CASE(page__snapshot_families_list_only_the_peers_a_snapshot_went_to_or_came_from) {
  MetricsView m;
  m.member_id = 1;
  node::PeerActivity a, b;
  a.id = 0xa;
  b.id = 0xb;
  a.snapshots_sent.attempted = true;
  a.snapshots_sent.in_flight = 1;
  a.snapshots_sent.successes = 2;
  a.snapshots_sent.failures = 1;
  DurationHistogram sends(DurationHistogram::exponential_bounds(0.1, 2, 10));
  sends.observe(std::chrono::milliseconds(150));
  sends.observe(std::chrono::milliseconds(150));
  a.snapshots_sent.durations = sends.snapshot();
  b.snapshots_received.attempted = true;
  b.snapshots_received.in_flight = 1;
  b.snapshots_received.failures = 3;
  m.peers = {a, b};
  std::string out;
  append_metrics_page(out, m);
  for (auto line : {"etcd_network_snapshot_send_inflights_total{To=\"a\"} 1",
                    "etcd_network_snapshot_send_success{To=\"a\"} 2", "etcd_network_snapshot_send_failures{To=\"a\"} 1",
                    "etcd_network_snapshot_send_total_duration_seconds_bucket{To=\"a\",le=\"0.1\"} 0",
                    "etcd_network_snapshot_send_total_duration_seconds_bucket{To=\"a\",le=\"0.2\"} 2",
                    "etcd_network_snapshot_send_total_duration_seconds_bucket{To=\"a\",le=\"51.2\"} 2",
                    "etcd_network_snapshot_send_total_duration_seconds_count{To=\"a\"} 2",
                    "etcd_network_snapshot_receive_failures{From=\"b\"} 3",
                    "etcd_network_snapshot_receive_inflights_total{From=\"b\"} 1",
                    "# HELP etcd_network_snapshot_receive_inflights_total Total number of inflight snapshot receives",
                    "# TYPE etcd_network_snapshot_receive_inflights_total gauge",
                    "# TYPE etcd_network_snapshot_send_inflights_total gauge",
                    "# TYPE etcd_network_snapshot_send_total_duration_seconds histogram"}) {
    BOOST_TEST_CONTEXT(line) { BOOST_TEST(has_line(out, line)); }
  }
  // A label set exists only once used: nothing sent to b, nothing received from a, and no
  // successful receive at all (so neither that family nor its histogram).
  BOOST_TEST(out.find("snapshot_send_inflights_total{To=\"b\"}") == std::string::npos);
  BOOST_TEST(out.find("snapshot_send_failures{To=\"b\"}") == std::string::npos);
  BOOST_TEST(out.find("snapshot_receive_failures{From=\"a\"}") == std::string::npos);
  BOOST_TEST(out.find("snapshot_receive_inflights_total{From=\"a\"}") == std::string::npos);
  BOOST_TEST(out.find("etcd_network_snapshot_receive_success") == std::string::npos);
  BOOST_TEST(out.find("etcd_network_snapshot_receive_total_duration_seconds") == std::string::npos);
  const auto names = family_names(out);
  BOOST_TEST(std::is_sorted(names.begin(), names.end()));
}

BOOST_AUTO_TEST_CASE(process_figures__read_from_proc_for_this_process) {
  const auto p = read_process_figures();
  BOOST_REQUIRE(p);
  BOOST_TEST(p->open_fds >= 3);  // stdin, stdout, stderr at least
  BOOST_TEST(p->max_fds >= p->open_fds);
  BOOST_TEST(p->resident_bytes > 0);
  BOOST_TEST(p->virtual_bytes >= p->resident_bytes);
  BOOST_TEST(p->cpu_seconds >= 0);
  // Started before now, and not before this test binary could have been built.
  const double now = static_cast<double>(std::time(nullptr));
  BOOST_TEST(p->start_time_seconds <= now + 1);
  BOOST_TEST(p->start_time_seconds > now - 24 * 3600);
}

BOOST_AUTO_TEST_SUITE_END()
