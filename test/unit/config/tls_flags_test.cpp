// etcd 3.4's TLS flags (and etcd 2's --ca-file spellings): how they fill the client and peer TLS
// settings, their ETCD_* variables, and the combinations etcd refuses, in etcd's words.
#include <boost/test/unit_test.hpp>

#include "server/config/cipher_suites.hpp"
#include "server/config/server_config.hpp"
#include "test/support/config/parse_flags.hpp"

using coord::test::parse_flags;

namespace {

const std::vector<std::string> kHttpsClient = {"--listen-client-urls=https://127.0.0.1:2379",
                                               "--advertise-client-urls=https://127.0.0.1:2379"};
const std::vector<std::string> kHttpsPeer = {"--listen-peer-urls=https://127.0.0.1:2380",
                                             "--initial-advertise-peer-urls=https://127.0.0.1:2380",
                                             "--initial-cluster=default=https://127.0.0.1:2380"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_flags)

BOOST_AUTO_TEST_CASE(parse__client_and_peer_flags_fill_their_own_side) {
  auto r = parse_flags(with(with(kHttpsClient, kHttpsPeer),
                    {"--cert-file=c.pem", "-key-file", "k.pem", "--trusted-ca-file=ca.pem", "--client-cert-auth",
                     "--client-crl-file=c.crl", "--client-cert-allowed-hostname=h.example", "--peer-cert-file=pc.pem",
                     "--peer-key-file=pk.pem", "--peer-trusted-ca-file=pca.pem", "-peer-client-cert-auth=true",
                     "--peer-crl-file=p.crl", "--peer-cert-allowed-cn=member"}));
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  const auto& c = r->config;
  BOOST_TEST(c.client_tls.cert_file == "c.pem");
  BOOST_TEST(c.client_tls.key_file == "k.pem");
  BOOST_TEST(c.client_tls.trusted_ca_file == "ca.pem");
  BOOST_TEST(c.client_tls.client_cert_auth);
  BOOST_TEST(c.client_tls.crl_file == "c.crl");
  BOOST_TEST(c.client_tls.allowed_hostname == "h.example");
  BOOST_TEST(c.peer_tls.cert_file == "pc.pem");
  BOOST_TEST(c.peer_tls.key_file == "pk.pem");
  BOOST_TEST(c.peer_tls.trusted_ca_file == "pca.pem");
  BOOST_TEST(c.peer_tls.client_cert_auth);
  BOOST_TEST(c.peer_tls.crl_file == "p.crl");
  BOOST_TEST(c.peer_tls.allowed_cn == "member");
  BOOST_TEST(!c.peer_skip_client_san_verification);
  BOOST_TEST(c.warnings.empty());
  auto skip = parse_flags({"--experimental-peer-skip-client-san-verification"});
  BOOST_REQUIRE(skip.is_ok());
  BOOST_TEST(skip->config.peer_skip_client_san_verification);
}

BOOST_AUTO_TEST_CASE(parse__tls_flags_read_from_etcd_variables) {
  auto r = parse_flags(kHttpsClient, {"ETCD_CERT_FILE=c.pem", "ETCD_KEY_FILE=k.pem", "ETCD_CLIENT_CERT_AUTH=true",
                              "ETCD_PEER_AUTO_TLS=true", "ETCD_CIPHER_SUITES=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.client_tls.cert_file == "c.pem");
  BOOST_TEST(r->config.client_tls.client_cert_auth);
  BOOST_TEST(r->config.peer_auto_tls);
  BOOST_TEST(r->config.cipher_suites == std::vector<std::string>{"ECDHE-RSA-AES128-GCM-SHA256"});
  auto both = parse_flags(with(kHttpsClient, {"--cert-file=a.pem", "--key-file=k.pem"}), {"ETCD_CERT_FILE=b.pem"});
  BOOST_REQUIRE(!both.is_ok());
  BOOST_TEST(both.status().message().find("conflicting environment variable \"ETCD_CERT_FILE\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parse__etcd2_ca_file_means_trusted_ca_and_client_cert_auth) {
  auto r = parse_flags(with(with(kHttpsClient, kHttpsPeer), {"--cert-file=c.pem", "--key-file=k.pem", "--ca-file=ca.pem",
                                                     "--peer-cert-file=c.pem", "--peer-key-file=k.pem",
                                                     "--peer-ca-file=pca.pem"}));
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.client_tls.trusted_ca_file == "ca.pem");
  BOOST_TEST(r->config.client_tls.client_cert_auth);
  BOOST_TEST(r->config.peer_tls.trusted_ca_file == "pca.pem");
  BOOST_TEST(r->config.peer_tls.client_cert_auth);
}

BOOST_AUTO_TEST_CASE(parse__https_without_a_certificate_is_refused_in_etcds_words) {
  BOOST_TEST(parse_flags(kHttpsClient).status().message() ==
             "TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with "
             "HTTPS scheme");
  BOOST_TEST(parse_flags(kHttpsPeer).status().message() ==
             "cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented");
  BOOST_TEST(parse_flags(with(kHttpsClient, {"--cert-file=c.pem"})).status().message() ==
             "KeyFile and CertFile must both be present[key: , cert: c.pem]");
  BOOST_TEST(parse_flags(with(kHttpsPeer, {"--peer-cert-file=c.pem", "--peer-key-file=k.pem", "--peer-cert-allowed-cn=a",
                                   "--peer-cert-allowed-hostname=b"}))
                 .status()
                 .message() == "AllowedCN and AllowedHostname are mutually exclusive (cn=\"a\", hostname=\"b\")");
}

BOOST_AUTO_TEST_CASE(parse__auto_tls_needs_no_certificate_and_yields_to_given_ones) {
  auto r = parse_flags(with(with(kHttpsClient, kHttpsPeer), {"--auto-tls", "--peer-auto-tls"}));
  BOOST_REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  BOOST_TEST(r->config.client_auto_tls);
  BOOST_TEST(r->config.peer_auto_tls);
  auto given = parse_flags(with(kHttpsClient, {"--auto-tls", "--cert-file=c.pem", "--key-file=k.pem"}));
  BOOST_REQUIRE(given.is_ok());
  BOOST_TEST(!given->config.client_auto_tls);
  BOOST_TEST(given->config.warnings.at(0) == "ignoring client auto TLS since certs given");
}

BOOST_AUTO_TEST_CASE(parse__http_url_with_certificates_or_cert_auth_warns_that_they_are_ignored) {
  auto r = parse_flags({"--cert-file=c.pem", "--key-file=k.pem"});
  BOOST_REQUIRE(r.is_ok());
  BOOST_REQUIRE(r->config.warnings.size() == 1u);
  BOOST_TEST(r->config.warnings[0].find("scheme is HTTP while key and cert files are present") == 0u);
  auto auth = parse_flags({"--client-cert-auth", "--peer-client-cert-auth"});
  BOOST_REQUIRE(auth.is_ok());
  BOOST_REQUIRE(auth->config.warnings.size() == 2u);
  BOOST_TEST(auth->config.warnings[0].find("scheme is HTTP while --peer-client-cert-auth is enabled") == 0u);
  BOOST_TEST(auth->config.warnings[1].find("scheme is HTTP while --client-cert-auth is enabled") == 0u);
}

BOOST_AUTO_TEST_CASE(cipher_suites__go_names_map_to_openssl_unknown_names_are_refused) {
  BOOST_TEST(*coord::config::openssl_cipher_name("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") ==
             "ECDHE-ECDSA-AES256-GCM-SHA384");
  BOOST_TEST(*coord::config::openssl_cipher_name("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305") ==
             "ECDHE-RSA-CHACHA20-POLY1305");
  BOOST_TEST(coord::config::openssl_cipher_name("TLS_AES_128_GCM_SHA256")->empty());  // TLS 1.3: OpenSSL's own
  BOOST_TEST(!coord::config::openssl_cipher_name("AES128-SHA").has_value());         // OpenSSL's name is not Go's
  auto r = parse_flags({"--cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA,TLS_AES_128_GCM_SHA256"});
  BOOST_REQUIRE(r.is_ok());
  BOOST_TEST(r->config.cipher_suites == std::vector<std::string>{"AES128-SHA"});
  BOOST_TEST(parse_flags({"--cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA,NOPE"}).status().message() ==
             "unexpected TLS cipher suite \"NOPE\"");
}

BOOST_AUTO_TEST_SUITE_END()
