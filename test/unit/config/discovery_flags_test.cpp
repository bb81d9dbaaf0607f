// The discovery flags (etcd 3.4's --discovery, --discovery-fallback, --discovery-proxy, and the
// refused --discovery-srv), as flags and ETCD_* variables, with etcd's words for conflicts.
#include "server/config/server_config.hpp"

#include <boost/test/unit_test.hpp>

#include "test/support/config/parse_flags.hpp"

using coord::test::parse_flags;
using Fallback = coord::config::ServerConfig::DiscoveryFallback;

namespace {

const std::string kUrl = "http://127.0.0.1:2379/v2/keys/discovery/abc";
const std::string kConflict =
    "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", \"discovery\" or \"discovery-srv\"";
}  // namespace

BOOST_AUTO_TEST_SUITE(discovery_flags)

BOOST_AUTO_TEST_CASE(defaults__no_discovery_and_fallback_proxy) {
  auto r = parse_flags({});
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r->config.discovery.empty());
  BOOST_TEST((r->config.discovery_fallback == Fallback::kProxy));
  BOOST_TEST(r->config.discovery_proxy.empty());
}

BOOST_AUTO_TEST_CASE(flags__set_url_fallback_and_proxy_and_the_url_is_the_token) {
  auto r = parse_flags({"--name", "m1", "--initial-advertise-peer-urls", "http://127.0.0.1:2380", "--discovery", kUrl,
                "--discovery-fallback", "exit", "--discovery-proxy=http://127.0.0.1:3128"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  const auto& c = r->config;
  BOOST_TEST(c.discovery == kUrl);
  BOOST_TEST((c.discovery_fallback == Fallback::kExit));
  BOOST_TEST(c.discovery_proxy == "http://127.0.0.1:3128");
  // The initial cluster is this member alone until discovery names the others; its id is
  // derived with the discovery URL as token, as etcd derives it.
  BOOST_REQUIRE(c.initial_cluster.size() == 1u);
  BOOST_TEST(c.initial_cluster[0].name == "m1");
  BOOST_TEST(c.initial_cluster_token == kUrl);
  BOOST_TEST(c.member_id() == coord::config::derive_member_id({"http://127.0.0.1:2380"}, kUrl));
  BOOST_TEST((parse_flags({"--discovery-fallback", "proxy"})->config.discovery_fallback == Fallback::kProxy));
}

BOOST_AUTO_TEST_CASE(environment__sets_the_same_and_conflicts_with_the_flag) {
  auto r = parse_flags({}, {"ETCD_DISCOVERY=" + kUrl, "ETCD_DISCOVERY_FALLBACK=exit", "ETCD_DISCOVERY_PROXY=127.0.0.1:3128"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.discovery == kUrl);
  BOOST_TEST((r->config.discovery_fallback == Fallback::kExit));
  BOOST_TEST(r->config.discovery_proxy == "127.0.0.1:3128");
  auto both = parse_flags({"--discovery", kUrl}, {"ETCD_DISCOVERY=" + kUrl});
  BOOST_REQUIRE(!both.is_ok());
  BOOST_TEST(both.status().message().find("ETCD_DISCOVERY") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(initial_cluster_with_discovery__refused_in_etcds_words) {
  auto flag = parse_flags({"--discovery", kUrl, "--initial-cluster", "default=http://localhost:2380"});
  BOOST_REQUIRE(!flag.is_ok());
  BOOST_TEST(flag.status().message() == kConflict);
  auto env = parse_flags({"--discovery", kUrl}, {"ETCD_INITIAL_CLUSTER=default=http://localhost:2380"});
  BOOST_REQUIRE(!env.is_ok());
  BOOST_TEST(env.status().message() == kConflict);
}

BOOST_AUTO_TEST_CASE(bad_fallback_and_dns_srv__refused_clearly) {
  auto fallback = parse_flags({"--discovery-fallback", "maybe"});
  BOOST_REQUIRE(!fallback.is_ok());
  BOOST_TEST(fallback.status().message() ==
             "invalid value \"maybe\" for flag -discovery-fallback: valid values are \"exit\", \"proxy\"");
  for (const char* flag : {"--discovery-srv", "--discovery-srv-name"}) {
    auto srv = parse_flags({flag, "example.com"});
    BOOST_REQUIRE(!srv.is_ok());
    BOOST_TEST(srv.status().message().find("DNS SRV discovery is not supported") != std::string::npos);
  }
  BOOST_TEST(parse_flags({"--discovery-srv="}).is_ok());  // empty: not asked for
}

BOOST_AUTO_TEST_CASE(parse_initial_cluster__reads_what_discovery_hands_back) {
  auto m = coord::config::parse_initial_cluster("b=http://127.0.0.1:2,a=http://127.0.0.1:1,b=http://127.0.0.1:0");
  BOOST_REQUIRE(m.is_ok());
  BOOST_REQUIRE(m->size() == 2u);
  BOOST_TEST((*m)[0].name == "b");
  BOOST_TEST((*m)[0].peer_urls == (std::vector<std::string>{"http://127.0.0.1:0", "http://127.0.0.1:2"}),
             boost::test_tools::per_element());
  BOOST_TEST(!coord::config::parse_initial_cluster("a=ftp://x:1").is_ok());
  BOOST_TEST(!coord::config::parse_initial_cluster("novalue").is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
