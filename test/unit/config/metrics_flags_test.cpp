// --listen-metrics-urls and --metrics, as flags and as ETCD_* variables.
#include "server/config/server_config.hpp"

#include <boost/test/unit_test.hpp>

#include "test/support/config/parse_flags.hpp"

using coord::test::parse_flags;

BOOST_AUTO_TEST_SUITE(metrics_flags)

BOOST_AUTO_TEST_CASE(defaults__no_metrics_listener_and_basic_metrics) {
  auto r = parse_flags({});
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r->config.listen_metrics_urls.empty());
  BOOST_TEST(!r->config.extensive_metrics);
}

BOOST_AUTO_TEST_CASE(flags__set_metrics_listeners_and_level) {
  auto r = parse_flags({"--listen-metrics-urls", "http://127.0.0.1:9101,http://127.0.0.1:9102", "-metrics=extensive"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_REQUIRE(r->config.listen_metrics_urls.size() == 2u);
  BOOST_TEST(r->config.listen_metrics_urls[1].port() == 9102);
  BOOST_TEST(r->config.extensive_metrics);
}

BOOST_AUTO_TEST_CASE(variables__set_metrics_listeners_and_level) {
  auto r = parse_flags({}, {"ETCD_LISTEN_METRICS_URLS=http://127.0.0.1:9101", "ETCD_METRICS=basic"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.listen_metrics_urls.size() == 1u);
  BOOST_TEST(!r->config.extensive_metrics);
}

BOOST_AUTO_TEST_CASE(parse__refuses_bad_level_bad_url_https_without_certificate_and_a_proxy_listener) {
  auto level = parse_flags({"--metrics", "verbose"});
  BOOST_REQUIRE(!level.is_ok());
  BOOST_TEST(level.status().message().find("--metrics must be basic or extensive") != std::string::npos);
  BOOST_TEST(!parse_flags({"--listen-metrics-urls", "ftp://127.0.0.1:9101"}).is_ok());
  auto https = parse_flags({"--listen-metrics-urls", "https://127.0.0.1:9101"});
  BOOST_REQUIRE(!https.is_ok());
  BOOST_TEST(https.status().message().find("metrics url https://127.0.0.1:9101") != std::string::npos);
  auto proxy = parse_flags({"--proxy", "on", "--listen-metrics-urls", "http://127.0.0.1:9101"});
  BOOST_REQUIRE(!proxy.is_ok());
  BOOST_TEST(proxy.status().message().find("not served in proxy mode") != std::string::npos);
  // Flag and variable together is an error, as for every etcd flag.
  BOOST_TEST(!parse_flags({"--metrics", "basic"}, {"ETCD_METRICS=basic"}).is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
