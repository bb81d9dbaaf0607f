#include "server/config/server_config.hpp"

#include <boost/test/unit_test.hpp>

#include "test/support/config/parse_flags.hpp"

using coord::test::parse_flags;

BOOST_AUTO_TEST_SUITE(server_config)

BOOST_AUTO_TEST_CASE(parse__defaults_match_etcd) {
  auto r = parse_flags({});
  BOOST_REQUIRE(r.is_ok());
  const auto& c = r->config;
  BOOST_TEST(c.name == "default");
  BOOST_TEST(c.data_dir == "default.etcd");
  BOOST_TEST(c.listen_client_urls.at(0).port() == 2379);
  BOOST_TEST(c.listen_peer_urls.at(0).port() == 2380);
  BOOST_TEST(c.snapshot_count == 10000u);
  BOOST_TEST(c.heartbeat_interval.count() == 100);
  BOOST_TEST(c.election_timeout.count() == 1000);
  BOOST_TEST(c.initial_cluster.size() == 1u);
}

BOOST_AUTO_TEST_CASE(parse__accepts_single_and_double_dash_and_separate_values) {
  auto r = parse_flags({"-name", "m1", "--data-dir=/tmp/x", "--listen-client-urls", "http://127.0.0.1:1,http://127.0.0.1:2",
                "-initial-advertise-peer-urls=http://127.0.0.1:3", "--initial-cluster", "m1=http://127.0.0.1:3",
                "--enable-v2", "-snapshot-count=5"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.name == "m1");
  BOOST_TEST(r->config.data_dir == "/tmp/x");
  BOOST_TEST(r->config.listen_client_urls.size() == 2u);
  BOOST_TEST(r->config.snapshot_count == 5u);
}

BOOST_AUTO_TEST_CASE(parse__reads_etcd_environment_variables) {
  auto r = parse_flags({}, {"ETCD_NAME=envname", "ETCD_SNAPSHOT_COUNT=7", "PATH=/bin", "ETCD_UNKNOWN_THING=1",
                    "ETCD_INITIAL_CLUSTER=envname=http://localhost:2380"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.name == "envname");
  BOOST_TEST(r->config.data_dir == "envname.etcd");
  BOOST_TEST(r->config.snapshot_count == 7u);
  BOOST_TEST(r->config.warnings.size() == 1u);
}

BOOST_AUTO_TEST_CASE(parse__flag_and_variable_together_is_fatal_like_etcd) {
  auto r = parse_flags({"--name", "a", "--initial-cluster", "a=http://localhost:2380"}, {"ETCD_NAME=b"});
  BOOST_REQUIRE(!r.is_ok());
  BOOST_TEST(r.status().message().find("conflicting environment variable \"ETCD_NAME\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parse__rejects_unknown_flags_bad_numbers_and_bad_urls) {
  BOOST_TEST(parse_flags({"--nope"}).status().message() == "flag provided but not defined: -nope");
  BOOST_TEST(!parse_flags({"--snapshot-count", "-3"}).is_ok());
  BOOST_TEST(!parse_flags({"--listen-client-urls", "127.0.0.1:2379"}).is_ok());
  BOOST_TEST(!parse_flags({"--name"}).is_ok());
  BOOST_TEST(!parse_flags({"--initial-cluster-state", "maybe"}).is_ok());
}

BOOST_AUTO_TEST_CASE(url_flags__follow_etcds_rules_with_its_messages) {
  // Listen URLs bind: an IP address or localhost, checked while parsing (coord/endpoint_url.hpp).
  BOOST_TEST(parse_flags({"--listen-client-urls", "http://node-a:2379"}).status().message() ==
             "invalid value \"http://node-a:2379\" for flag -listen-client-urls: expected IP in URL for binding "
             "(http://node-a:2379)");
  BOOST_TEST(parse_flags({"--listen-peer-urls", "http://[::1]:0"}).is_ok());  // port 0: any free port
  // No path, not even "/", as etcd's types.NewURLs.
  BOOST_TEST(parse_flags({"--listen-client-urls", "http://127.0.0.1:2379/"}).status().message() ==
             "invalid value \"http://127.0.0.1:2379/\" for flag -listen-client-urls: URL must not contain a path: "
             "http://127.0.0.1:2379/");
  BOOST_TEST(parse_flags({"--advertise-client-urls", "ftp://h:1"}).status().message() ==
             "invalid value \"ftp://h:1\" for flag -advertise-client-urls: URL scheme must be http or https: ftp://h:1");
  BOOST_TEST(!parse_flags({"--advertise-client-urls", "http://h:99999"}).is_ok());
  BOOST_TEST(!parse_flags({"--advertise-client-urls", "http://h"}).is_ok());
  // Host names are advertised; the scheme is kept in lower case, as etcd's url.String() writes it
  // (the peer URLs are hashed into member ids).
  auto r = parse_flags({"--advertise-client-urls", "HTTP://node-a:2379", "--initial-advertise-peer-urls", "HTTPS://node-a:2380",
                        "--initial-cluster", "default=https://node-a:2380"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.advertise_client_urls.at(0) == "http://node-a:2379");
  BOOST_TEST(r->config.initial_advertise_peer_urls.at(0) == "https://node-a:2380");
}

BOOST_AUTO_TEST_CASE(cors__is_any_origin_by_default_or_a_list_of_origin_urls_as_etcd_takes_them) {
  BOOST_TEST(parse_flags({})->config.cors == std::vector<std::string>{"*"});
  BOOST_TEST(parse_flags({"--cors", "*"})->config.cors == std::vector<std::string>{"*"});
  auto r = parse_flags({"--cors", "HTTP://app.example:8080,https://[::1]:443"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.cors == (std::vector<std::string>{"http://app.example:8080", "https://[::1]:443"}));
  // etcd parses each origin as a URL with host:port and no path; "*" only alone; empty is an error.
  BOOST_TEST(parse_flags({"--cors", "http://app.example"}).status().message() ==
             "invalid value \"http://app.example\" for flag -cors: URL address does not have the form \"host:port\": "
             "http://app.example");
  BOOST_TEST(!parse_flags({"--cors", "http://app.example:80/x"}).is_ok());
  BOOST_TEST(!parse_flags({"--cors", "*,http://app.example:80"}).is_ok());
  BOOST_TEST(!parse_flags({"--cors", ""}).is_ok());
}

BOOST_AUTO_TEST_CASE(parse__requires_own_name_in_initial_cluster) {
  auto r = parse_flags({"--name", "x", "--initial-cluster", "y=http://localhost:2380"});
  BOOST_TEST(!r.is_ok());
}

BOOST_AUTO_TEST_CASE(ids__derive_like_etcd) {
  // Values read off a real etcd 3.4 started with this peer URL and the default token.
  auto r = parse_flags({"--initial-advertise-peer-urls", "http://127.0.0.1:23800", "--initial-cluster",
                "default=http://127.0.0.1:23800"});
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r->config.member_id() == 0x2e1259d415f2a040ull);
  BOOST_TEST(r->config.cluster_id() == 0x48276a8f75b6a87ull);
}

BOOST_AUTO_TEST_SUITE_END()
