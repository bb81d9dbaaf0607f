// The proxy flags (etcd 3.4's --proxy and --proxy-* in milliseconds), as flags and as ETCD_*
// variables, with etcd's defaults and etcd's words for bad values.
#include "server/config/server_config.hpp"

#include <boost/test/unit_test.hpp>

#include "test/support/config/parse_flags.hpp"

using coord::test::parse_flags;
using ProxyMode = coord::config::ServerConfig::ProxyMode;

BOOST_AUTO_TEST_SUITE(proxy_flags)

BOOST_AUTO_TEST_CASE(defaults__match_etcd) {
  auto r = parse_flags({});
  BOOST_REQUIRE(r.is_ok());
  const auto& c = r->config;
  BOOST_TEST((c.proxy == ProxyMode::kOff));
  BOOST_TEST(c.proxy_failure_wait.count() == 5000);
  BOOST_TEST(c.proxy_refresh_interval.count() == 30000);
  BOOST_TEST(c.proxy_dial_timeout.count() == 1000);
  BOOST_TEST(c.proxy_write_timeout.count() == 5000);
  BOOST_TEST(c.proxy_read_timeout.count() == 0);
}

BOOST_AUTO_TEST_CASE(flags__set_mode_and_times) {
  auto r = parse_flags({"--proxy", "readonly", "-proxy-failure-wait=10", "--proxy-refresh-interval", "20", "--proxy-dial-timeout=30",
                "--proxy-write-timeout=40", "--proxy-read-timeout=50"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  const auto& c = r->config;
  BOOST_TEST((c.proxy == ProxyMode::kReadonly));
  BOOST_TEST(c.proxy_failure_wait.count() == 10);
  BOOST_TEST(c.proxy_refresh_interval.count() == 20);
  BOOST_TEST(c.proxy_dial_timeout.count() == 30);
  BOOST_TEST(c.proxy_write_timeout.count() == 40);
  BOOST_TEST(c.proxy_read_timeout.count() == 50);
  BOOST_TEST((parse_flags({"--proxy=on"})->config.proxy == ProxyMode::kOn));
  BOOST_TEST((parse_flags({"--proxy=off"})->config.proxy == ProxyMode::kOff));
}

BOOST_AUTO_TEST_CASE(environment__sets_the_same_and_conflicts_with_the_flag) {
  auto r = parse_flags({}, {"ETCD_PROXY=on", "ETCD_PROXY_FAILURE_WAIT=7", "ETCD_PROXY_READ_TIMEOUT=9"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST((r->config.proxy == ProxyMode::kOn));
  BOOST_TEST(r->config.proxy_failure_wait.count() == 7);
  BOOST_TEST(r->config.proxy_read_timeout.count() == 9);
  auto both = parse_flags({"--proxy=on"}, {"ETCD_PROXY=readonly"});
  BOOST_REQUIRE(!both.is_ok());
  BOOST_TEST(both.status().message().find("ETCD_PROXY") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_values__refused_in_etcds_words) {
  auto mode = parse_flags({"--proxy", "foo"});
  BOOST_REQUIRE(!mode.is_ok());
  BOOST_TEST(mode.status().message() == "invalid value \"foo\" for flag -proxy: invalid value");
  auto wait = parse_flags({"--proxy-failure-wait", "x"});
  BOOST_REQUIRE(!wait.is_ok());
  BOOST_TEST(wait.status().message() == "invalid value \"x\" for flag -proxy-failure-wait: parse error");
  auto negative = parse_flags({"--proxy-dial-timeout=-1"});
  BOOST_REQUIRE(!negative.is_ok());
  BOOST_TEST(negative.status().message() == "invalid value \"-1\" for flag -proxy-dial-timeout: parse error");
  auto missing = parse_flags({"--proxy"});
  BOOST_REQUIRE(!missing.is_ok());
  BOOST_TEST(missing.status().message() == "flag needs an argument: -proxy");
}

BOOST_AUTO_TEST_CASE(proxy__need_not_be_named_in_initial_cluster) {
  const std::vector<std::string> cluster = {"--initial-cluster", "m0=http://127.0.0.1:3,m1=http://127.0.0.1:4"};
  BOOST_TEST(!parse_flags(cluster).is_ok());  // a member must be in the list
  auto args = cluster;
  args.insert(args.end(), {"--proxy", "on"});
  auto r = parse_flags(args);
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.initial_cluster.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
