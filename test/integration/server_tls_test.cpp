// coordd's TLS, with real processes and certificates made by /usr/bin/openssl (TestPki): client
// certificate auth (a good certificate works; none, another CA's, a revoked one, or one that
// does not name the allowed hostname is refused at the handshake), a client that does not trust
// the server's CA, TLS 1.1, mixed http and https listeners, --auto-tls, etcd 2's --ca-file,
// certificate rotation without a restart, peer TLS (a member whose peer certificate is from
// another CA, has the wrong CN or is revoked cannot take part), and the flag combinations etcd
// refuses. Where etcd 3.4 has the same flag, the same case also runs against etcd.
// Skipped when $COORDD is not set or openssl is missing.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <fstream>
#include <sstream>
#include <thread>

#include "coord/client.hpp"
#include "coord/tls.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/client/add_member_when_allowed.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/process/server_cluster.hpp"
#include "test/support/tls/test_pki.hpp"
#include "test/support/tls/tls_probe.hpp"

using namespace std::chrono_literals;
using coord::test::ClusterOptions;
using coord::test::ServerCluster;
using coord::test::ServerKind;
using coord::test::TestPki;
using coord::test::tls_get;
using coord::test::TlsClientSettings;

namespace {

// Certificates shared by every case: CA "ca" signs the server, a client and the members; CA
// "other-ca" signs a stranger. Made once per test process.
TestPki& pki() {
  // Owned by a static so that its directory is removed when the test process exits.
  static const std::unique_ptr<TestPki> p = [] {
    auto made = std::make_unique<TestPki>();
    const bool ok = made->make_ca("ca") && made->make_ca("other-ca") && made->issue("ca", "server") &&
                    made->issue("ca", "client") && made->issue("other-ca", "stranger") &&
                    made->issue("ca", "revoked-client") && made->revoke("ca", "revoked-client") &&
                    made->issue("ca", "named-client", "", "DNS:allowed.example") &&
                    made->issue("ca", "server-next") && made->issue("ca", "member", "member") &&
                    made->issue("ca", "intruder", "intruder") && made->issue("other-ca", "foreign-member", "member") &&
                    made->issue("ca", "revoked-member", "member") && made->make_ca("peer-ca") &&
                    made->issue("peer-ca", "peer-revoked", "member") && made->revoke("peer-ca", "peer-revoked") &&
                    made->issue("peer-ca", "peer-member", "member") &&
                    made->issue("ca", "elsewhere", "", "IP:127.0.0.2") && made->issue("ca", "no-names", "", "");
    if (!ok) throw std::runtime_error("openssl could not make the test certificates: " + made->last_error());
    return made;
  }();
  return *p;
}

struct TlsAvailable {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    std::string why;
    if (!coord::test::server_binary(ServerKind::kCoordd, &why)) {
      boost::test_tools::assertion_result r(false);
      r.message() << "skipped: " << why;
      return r;
    }
    if (!TestPki::available()) {
      boost::test_tools::assertion_result r(false);
      r.message() << "skipped: /usr/bin/openssl is missing";
      return r;
    }
    return true;
  }
};

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// The kinds to run a case against: coordd, and etcd when it is installed.
std::vector<ServerKind> kinds() {
  std::vector<ServerKind> out{ServerKind::kCoordd};
  if (coord::test::server_binary(ServerKind::kEtcd)) out.push_back(ServerKind::kEtcd);
  return out;
}

std::vector<std::string> server_cert_args() {
  return {"--cert-file=" + pki().cert("server"), "--key-file=" + pki().key("server")};
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// One member with https client URLs (and the harness's plain http probe URL).
std::unique_ptr<ServerCluster> start_member(ServerKind kind, std::vector<std::string> args) {
  ClusterOptions o;
  o.client_tls = true;
  o.extra_args = std::move(args);
  auto c = std::make_unique<ServerCluster>(kind, 1, o);
  BOOST_REQUIRE_MESSAGE(c->start(), to_string(kind) << ": " << c->last_error());
  return c;
}

TlsClientSettings as(const std::string& name, const std::string& ca = "ca") {
  return {pki().cert(ca), name.empty() ? "" : pki().cert(name), name.empty() ? "" : pki().key(name), false};
}

// True when the exchange was refused: no HTTP answer came (with TLS 1.3 a refused client
// certificate is reported right after the client's side of the handshake).
bool refused(const coord::test::TlsResult& r) { return r.status == 0 && !r.error.empty(); }

// Runs a command to its end; its exit status and everything it printed.
std::pair<int, std::string> run_to_exit(const std::vector<std::string>& argv, const coord::test::TempDir& dir,
                                        std::vector<std::string> env = {}) {
  const std::string log = dir.file("run-" + std::to_string(std::rand()) + ".log");
  coord::test::Process p(argv, log, std::move(env));
  auto status = p.wait_exit(20s);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  if (!status) return {-1, text.str()};
  return {WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, text.str()};
}

using coord::test::eventually;

}  // namespace

BOOST_AUTO_TEST_SUITE(server_tls, *boost::unit_test::precondition(TlsAvailable{}))

BOOST_AUTO_TEST_CASE(client_cert_auth__only_certificates_from_the_trusted_ca_get_in) {
  for (ServerKind kind : kinds()) {
    BOOST_TEST_CONTEXT(to_string(kind)) {
      auto c = start_member(kind, with(server_cert_args(), {"--trusted-ca-file=" + pki().cert("ca"), "--client-cert-auth"}));
      const int port = port_of(c->client_url(0));
      auto good = tls_get(port, "/version", as("client"));
      BOOST_TEST(good.status == 200, good.error);
      BOOST_TEST(refused(tls_get(port, "/version", as(""))), "no client certificate");
      BOOST_TEST(refused(tls_get(port, "/version", as("stranger"))), "a certificate from another CA");
      auto untrusting = tls_get(port, "/version", as("client", "other-ca"));
      BOOST_TEST(!untrusting.handshake, "a client that does not trust the server's CA must fail the handshake");
      BOOST_TEST(refused(tls_get(port, "/version", TlsClientSettings{pki().cert("ca"), pki().cert("client"),
                                                                      pki().key("client"), true})),
                 "TLS 1.1 must be refused");
      // The SDK over the same listener.
      coord::ClientOptions o;
      o.endpoints = {c->client_url(0)};
      o.tls.ca_file = pki().cert("ca");
      o.tls.cert_file = pki().cert("client");
      o.tls.key_file = pki().key("client");
      coord::enable_tls(o);
      coord::Client client(o);
      client.set("/tls/k", "v");
      BOOST_TEST(*client.get("/tls/k", coord::GetOptions{.quorum = true}).node.value == "v");
      // A watch answered over TLS (waitIndex: the event counts even if the PUT wins the race).
      coord::WatchOptions w;
      w.wait_index = client.get("/tls/k").etcd_index + 1;
      auto watched = std::async(std::launch::async, [&] { return coord::Client(o).watch("/tls/w", w); });
      client.set("/tls/w", "event");
      BOOST_TEST(*watched.get().node.value == "event");
    }
  }
}

BOOST_AUTO_TEST_CASE(hostile_bytes__plain_http_and_a_truncated_handshake_on_an_https_port_only_close_that_connection) {
  // Fault: bytes that are not TLS (a plain HTTP request) and a handshake cut off after its
  // first record reach the https listener. What must hold: each connection is closed by the
  // member (no answer, no hang past the read timeout of this test), and the member goes on
  // serving TLS clients.
  auto c = start_member(ServerKind::kCoordd, server_cert_args());
  const int port = port_of(c->client_url(0));
  namespace net = boost::asio;
  const std::string hostile[] = {
      "GET /v2/keys HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // ClientHello announcing 512 bytes, then nothing
  };
  for (const std::string& bytes : hostile) {
    net::io_context io;
    net::ip::tcp::socket s(io);
    s.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    net::write(s, net::buffer(bytes));
    s.shutdown(net::ip::tcp::socket::shutdown_send);  // nothing more comes: the member must close
    char buf[4096];
    boost::system::error_code ec;
    std::size_t total = 0;
    while (!ec) total += s.read_some(net::buffer(buf), ec);
    BOOST_TEST((ec == net::error::eof || ec == net::error::connection_reset), ec.message());
    BOOST_TEST(total < sizeof buf, "an HTTP answer or endless bytes came back: " << total);
  }
  auto good = tls_get(port, "/version", as(""));
  BOOST_TEST(good.status == 200, good.error);
}

BOOST_AUTO_TEST_CASE(closing__the_member_ends_a_tls_connection_with_close_notify_as_etcd_does) {
  // A request with "Connection: close": after the answer the member closes the connection. What
  // must hold: it says so in TLS (close_notify), so the client reads an orderly end of stream
  // (eof), not a truncation that could hide a cut-off answer.
  namespace net = boost::asio;
  for (ServerKind kind : kinds()) {
    BOOST_TEST_CONTEXT(to_string(kind)) {
      auto c = start_member(kind, server_cert_args());
      net::io_context io;
      net::ssl::context ctx(net::ssl::context::tls_client);
      ctx.load_verify_file(pki().cert("ca"));
      ctx.set_verify_mode(net::ssl::verify_peer);
      net::ssl::stream<net::ip::tcp::socket> s(io, ctx);
      s.next_layer().connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_of(c->client_url(0)))});
      s.handshake(net::ssl::stream_base::client);
      net::write(s, net::buffer(std::string("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")));
      std::string answer;
      char buf[4096];
      boost::system::error_code ec;
      while (!ec) answer.append(buf, s.read_some(net::buffer(buf), ec));
      BOOST_TEST(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u, answer);
      BOOST_TEST((ec == net::error::eof), ec.message());  // stream_truncated without close_notify
    }
  }
}

BOOST_AUTO_TEST_CASE(trusted_ca_alone_requires_client_certificates_as_in_etcd) {
  for (ServerKind kind : kinds()) {
    BOOST_TEST_CONTEXT(to_string(kind)) {
      auto c = start_member(kind, with(server_cert_args(), {"--trusted-ca-file=" + pki().cert("ca")}));
      const int port = port_of(c->client_url(0));
      BOOST_TEST(tls_get(port, "/version", as("client")).status == 200);
      BOOST_TEST(refused(tls_get(port, "/version", as(""))));
    }
  }
}

BOOST_AUTO_TEST_CASE(without_client_cert_auth__any_client_gets_in_over_tls) {
  auto c = start_member(ServerKind::kCoordd, server_cert_args());
  const int port = port_of(c->client_url(0));
  BOOST_TEST(tls_get(port, "/version", as("")).status == 200);
  BOOST_TEST(!tls_get(port, "/version", as("", "other-ca")).handshake);
}

BOOST_AUTO_TEST_CASE(client_crl__a_revoked_client_certificate_is_refused) {
  for (ServerKind kind : kinds()) {
    BOOST_TEST_CONTEXT(to_string(kind)) {
      auto c = start_member(kind, with(server_cert_args(), {"--trusted-ca-file=" + pki().cert("ca"), "--client-cert-auth",
                                                            "--client-crl-file=" + pki().crl("ca")}));
      const int port = port_of(c->client_url(0));
      BOOST_TEST(tls_get(port, "/version", as("client")).status == 200);
      BOOST_TEST(refused(tls_get(port, "/version", as("revoked-client"))));
    }
  }
}

BOOST_AUTO_TEST_CASE(client_cert_allowed_hostname__only_a_certificate_naming_it_gets_in) {
  for (ServerKind kind : kinds()) {
    BOOST_TEST_CONTEXT(to_string(kind)) {
      auto c = start_member(kind, with(server_cert_args(), {"--trusted-ca-file=" + pki().cert("ca"), "--client-cert-auth",
                                                            "--client-cert-allowed-hostname=allowed.example"}));
      const int port = port_of(c->client_url(0));
      BOOST_TEST(tls_get(port, "/version", as("named-client")).status == 200);
      BOOST_TEST(refused(tls_get(port, "/version", as("client"))));
    }
  }
}

BOOST_AUTO_TEST_CASE(mixed_listeners__http_and_https_serve_the_same_member) {
  auto c = start_member(ServerKind::kCoordd, with(server_cert_args(), {"--trusted-ca-file=" + pki().cert("ca")}));
  auto plain = coord::test::http_get(c->probe_url(0) + "/version", 2s);
  BOOST_REQUIRE(plain);
  BOOST_TEST(plain->status == 200);
  BOOST_TEST(tls_get(port_of(c->client_url(0)), "/version", as("client")).status == 200);
  // The https port does not speak plain HTTP.
  BOOST_TEST(!coord::test::http_get(c->client_url(0).replace(0, 5, "http") + "/version", 2s).has_value());
}

BOOST_AUTO_TEST_CASE(auto_tls__serves_a_self_signed_certificate_kept_in_the_data_dir) {
  auto c = start_member(ServerKind::kCoordd, {"--auto-tls"});
  auto r = tls_get(port_of(c->client_url(0)), "/version", TlsClientSettings{});
  BOOST_TEST(r.status == 200, r.error);
  const std::string cert = c->dir() + "/m0.data/fixtures/client/cert.pem";
  BOOST_REQUIRE(std::filesystem::exists(cert));
  BOOST_TEST(std::filesystem::exists(c->dir() + "/m0.data/fixtures/client/key.pem"));
  // What the handshake showed is the file's certificate.
  coord::test::TempDir scratch("coord-serial");
  auto [rc, out] = run_to_exit({"/usr/bin/openssl", "x509", "-in", cert, "-noout", "-serial"}, scratch);
  BOOST_REQUIRE(rc == 0);
  BOOST_TEST(coord::test::normalize_serial(out.substr(out.find('=') + 1, out.find_first_of("\r\n") - out.find('=') - 1)) ==
             r.server_serial);
  // It does not verify against a CA the client trusts.
  BOOST_TEST(!tls_get(port_of(c->client_url(0)), "/version", as("")).handshake);
}

BOOST_AUTO_TEST_CASE(ca_file__etcd2_spelling_trusts_the_ca_and_requires_client_certificates) {
  auto c = start_member(ServerKind::kCoordd, with(server_cert_args(), {"--ca-file=" + pki().cert("ca")}));
  const int port = port_of(c->client_url(0));
  BOOST_TEST(tls_get(port, "/version", as("client")).status == 200);
  BOOST_TEST(refused(tls_get(port, "/version", as(""))));
  BOOST_TEST(refused(tls_get(port, "/version", as("stranger"))));
}

BOOST_AUTO_TEST_CASE(rotation__new_connections_get_the_new_certificate_without_a_restart) {
  coord::test::TempDir files("coord-rotate");
  std::filesystem::copy_file(pki().cert("server"), files.file("server.pem"));
  std::filesystem::copy_file(pki().key("server"), files.file("server-key.pem"));
  auto c = start_member(ServerKind::kCoordd, {"--cert-file=" + files.file("server.pem"),
                                              "--key-file=" + files.file("server-key.pem")});
  const int port = port_of(c->client_url(0));
  const std::string before = coord::test::normalize_serial(pki().serial("server"));
  const std::string after = coord::test::normalize_serial(pki().serial("server-next"));
  BOOST_REQUIRE(before != after);
  BOOST_TEST(tls_get(port, "/version", as("")).server_serial == before);
  // Replace the files (each by a rename, as rotation tools do).
  for (auto [from, to] : {std::pair{pki().key("server-next"), files.file("server-key.pem")},
                          std::pair{pki().cert("server-next"), files.file("server.pem")}}) {
    std::filesystem::copy_file(from, to + ".new");
    std::filesystem::rename(to + ".new", to);
  }
  BOOST_TEST(eventually([&] { return tls_get(port, "/version", as("")).server_serial == after; }, 10s),
             "new connections still get the old certificate");
  BOOST_TEST(c->running(0), "the member restarted");
  BOOST_TEST(tls_get(port, "/version", as("")).status == 200);
}

BOOST_AUTO_TEST_CASE(cipher_suites__go_names_accepted_unknown_ones_refused) {
  auto c = start_member(ServerKind::kCoordd,
                        with(server_cert_args(), {"--cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                                                  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}));
  BOOST_TEST(tls_get(port_of(c->client_url(0)), "/version", as("")).status == 200);
  coord::test::TempDir dir("coord-flags");
  auto [rc, out] = run_to_exit({*coord::test::server_binary(ServerKind::kCoordd), "--data-dir=" + dir.file("d"),
                                "--cipher-suites=TLS_NOPE"},
                               dir);
  BOOST_TEST(rc != 0);
  BOOST_TEST(out.find("unexpected TLS cipher suite \"TLS_NOPE\"") != std::string::npos, out);
}

// etcd's refusals for TLS flag combinations, word for word where etcd prints them.
BOOST_AUTO_TEST_CASE(bad_flag_combinations__refused_at_start_as_etcd_does) {
  coord::test::TempDir dir("coord-flags");
  const std::string client = "https://127.0.0.1:" + std::to_string(coord::test::free_port());
  const std::string peer_port = std::to_string(coord::test::free_port());
  const std::string peer = "https://127.0.0.1:" + peer_port;
  struct Case {
    std::vector<std::string> args;
    std::string expected;
    bool etcd_too;
  };
  const std::vector<Case> cases = {
      {{"--listen-client-urls=" + client, "--advertise-client-urls=" + client},
       "TLS key/cert (--cert-file, --key-file) must be provided for client url " + client + " with HTTPS scheme", true},
      {{"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer, "--initial-cluster=default=" + peer},
       "cannot listen on TLS for 127.0.0.1:" + peer_port + ": KeyFile and CertFile are not presented", true},
      {{"--listen-client-urls=" + client, "--advertise-client-urls=" + client, "--cert-file=" + pki().cert("server")},
       "KeyFile and CertFile must both be present[key: , cert: " + pki().cert("server") + "]", true},
      {{"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer, "--initial-cluster=default=" + peer,
        "--peer-cert-file=" + pki().cert("server"), "--peer-key-file=" + pki().key("server"),
        "--peer-cert-allowed-cn=a", "--peer-cert-allowed-hostname=b"},
       "AllowedCN and AllowedHostname are mutually exclusive (cn=\"a\", hostname=\"b\")", true},
      {{"--listen-client-urls=" + client, "--advertise-client-urls=" + client, "--cert-file=" + dir.file("none.pem"),
        "--key-file=" + pki().key("server")},
       "open " + dir.file("none.pem") + ": no such file or directory", true},
      {{"--listen-client-urls=" + client, "--advertise-client-urls=" + client, "--cert-file=" + pki().cert("server"),
        "--key-file=" + pki().key("client")},
       "tls: private key does not match public key", true},
  };
  for (ServerKind kind : kinds()) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Case& k = cases[i];
      if (kind == ServerKind::kEtcd && !k.etcd_too) continue;
      std::vector<std::string> argv = {*coord::test::server_binary(kind),
                                       "--data-dir=" + dir.file(std::string(to_string(kind)) + std::to_string(i))};
      if (kind == ServerKind::kEtcd) argv.push_back("--enable-v2=true");
      argv.insert(argv.end(), k.args.begin(), k.args.end());
      // Free ports for the side a case leaves alone (etcd binds its peer port before checking
      // the client side).
      auto has = [&](const std::string& flag) {
        return std::any_of(k.args.begin(), k.args.end(), [&](const std::string& a) { return a.rfind(flag, 0) == 0; });
      };
      if (!has("--listen-peer-urls")) {
        const std::string p = "http://127.0.0.1:" + std::to_string(coord::test::free_port());
        for (std::string f : {"--listen-peer-urls=", "--initial-advertise-peer-urls="}) argv.push_back(f + p);
        argv.push_back("--initial-cluster=default=" + p);
      }
      if (!has("--listen-client-urls")) {
        const std::string u = "http://127.0.0.1:" + std::to_string(coord::test::free_port());
        for (std::string f : {"--listen-client-urls=", "--advertise-client-urls="}) argv.push_back(f + u);
      }
      auto [rc, out] = run_to_exit(argv, dir);
      BOOST_TEST(rc != 0, to_string(kind) << " case " << i << " started");
      BOOST_TEST(out.find(k.expected) != std::string::npos,
                 to_string(kind) << " case " << i << ": expected \"" << k.expected << "\" in:\n" << out.substr(0, 1500));
    }
  }
}

BOOST_AUTO_TEST_CASE(tls_flags__also_read_from_etcd_environment_variables) {
  // The command line has no TLS flags: ETCD_* variables must supply them.
  coord::test::TempDir dir("coord-env");
  const int port = coord::test::free_port();
  const std::string url = "https://127.0.0.1:" + std::to_string(port);
  const int peer_port = coord::test::free_port();
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
  coord::test::Process p({*coord::test::server_binary(ServerKind::kCoordd), "--data-dir=" + dir.file("d"),
                          "--listen-client-urls=" + url, "--advertise-client-urls=" + url, "--listen-peer-urls=" + peer,
                          "--initial-advertise-peer-urls=" + peer, "--initial-cluster=default=" + peer},
                         dir.file("log"),
                         {"ETCD_CERT_FILE=" + pki().cert("server"), "ETCD_KEY_FILE=" + pki().key("server"),
                          "ETCD_TRUSTED_CA_FILE=" + pki().cert("ca"), "ETCD_CLIENT_CERT_AUTH=true"});
  BOOST_TEST(eventually([&] { return tls_get(port, "/version", as("client")).status == 200; }, 20s), p.log_tail());
  BOOST_TEST(refused(tls_get(port, "/version", as(""))));
}

// Peer TLS: three members whose peer listeners require certificates from "ca" (plus `all`);
// member 2 gets `odd` on top. The first two must form the cluster; member 2 must never
// become ready, and its peers must have refused it in the handshake.
void odd_member_is_kept_out(const std::vector<std::string>& all, const std::vector<std::string>& odd) {
  ClusterOptions o;
  o.peer_tls = true;
  o.ready_timeout = 8s;
  o.extra_args = with({"--peer-cert-file=" + pki().cert("member"), "--peer-key-file=" + pki().key("member"),
                       "--peer-trusted-ca-file=" + pki().cert("ca"), "--peer-client-cert-auth"},
                      all);
  o.member_args = {{}, {}, odd};
  ServerCluster c(ServerKind::kCoordd, 3, o);
  BOOST_TEST(!c.start(), "member 2 became ready with a peer certificate it should be refused for");
  const auto leader = c.leader(10s);
  BOOST_REQUIRE_MESSAGE(leader, "the two good members did not elect a leader");
  BOOST_TEST(*leader != 2);
  BOOST_TEST(coord::test::http_get(c.probe_url(0) + "/health", 2s)->status == 200);
  BOOST_TEST(coord::test::http_get(c.probe_url(2) + "/health", 2s).has_value() == false,
             "member 2 serves clients although its peers refuse it");
  const std::string logs = c.log_tail(0) + c.log_tail(1);
  BOOST_TEST(logs.find("rejected connection") != std::string::npos, logs);
}

BOOST_AUTO_TEST_CASE(peer_tls__a_member_with_another_cas_certificate_cannot_join) {
  odd_member_is_kept_out({}, {"--peer-cert-file=" + pki().cert("foreign-member"),
                              "--peer-key-file=" + pki().key("foreign-member")});
}

BOOST_AUTO_TEST_CASE(peer_tls__peer_cert_allowed_cn_keeps_out_a_member_with_another_cn) {
  odd_member_is_kept_out({"--peer-cert-allowed-cn=member"},
                         {"--peer-cert-file=" + pki().cert("intruder"), "--peer-key-file=" + pki().key("intruder")});
}

BOOST_AUTO_TEST_CASE(peer_tls__a_revoked_peer_certificate_is_refused) {
  odd_member_is_kept_out({"--peer-cert-file=" + pki().cert("peer-member"), "--peer-key-file=" + pki().key("peer-member"),
                          "--peer-trusted-ca-file=" + pki().cert("peer-ca"), "--peer-crl-file=" + pki().crl("peer-ca")},
                         {"--peer-cert-file=" + pki().cert("peer-revoked"),
                          "--peer-key-file=" + pki().key("peer-revoked")});
}

// As etcd's peer listener: a client certificate that names hosts must name the address it
// connects from (one naming none is not checked); an experimental flag turns the check off.
BOOST_AUTO_TEST_CASE(peer_tls__a_client_certificate_must_name_the_address_it_connects_from) {
  const std::vector<std::string> peer_flags = {"--peer-cert-file=" + pki().cert("member"),
                                               "--peer-key-file=" + pki().key("member"),
                                               "--peer-trusted-ca-file=" + pki().cert("ca"), "--peer-client-cert-auth"};
  for (ServerKind kind : kinds()) {
    BOOST_TEST_CONTEXT(to_string(kind)) {
      ClusterOptions o;
      o.peer_tls = true;
      o.extra_args = peer_flags;
      ServerCluster c(kind, 1, o);
      BOOST_REQUIRE_MESSAGE(c.start(), c.last_error());
      const int port = port_of(c.peer_url(0));
      BOOST_TEST(tls_get(port, "/members", as("client")).status == 200);
      BOOST_TEST(tls_get(port, "/members", as("no-names")).status == 200);
      BOOST_TEST(refused(tls_get(port, "/members", as("elsewhere"))), "a certificate for 127.0.0.2 used from 127.0.0.1");
    }
  }
  ClusterOptions o;
  o.peer_tls = true;
  o.extra_args = with(peer_flags, {"--experimental-peer-skip-client-san-verification"});
  ServerCluster c(ServerKind::kCoordd, 1, o);
  BOOST_REQUIRE_MESSAGE(c.start(), c.last_error());
  BOOST_TEST(tls_get(port_of(c.peer_url(0)), "/members", as("elsewhere")).status == 200);
}

// --peer-auto-tls: each member makes its own self-signed peer certificate, and members do not
// verify each other's (as etcd): the cluster forms over https.
BOOST_AUTO_TEST_CASE(peer_auto_tls__three_members_form_a_cluster_over_self_signed_certificates) {
  ClusterOptions o;
  o.peer_tls = true;
  o.extra_args = {"--peer-auto-tls"};
  ServerCluster c(ServerKind::kCoordd, 3, o);
  BOOST_REQUIRE_MESSAGE(c.start(), c.last_error());
  BOOST_TEST(c.leader().has_value());
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(std::filesystem::exists(c.dir() + "/m" + std::to_string(i) + ".data/fixtures/peer/cert.pem"));
  // The peer port speaks TLS with the generated certificate.
  BOOST_TEST(tls_get(port_of(c.peer_url(0)), "/members", TlsClientSettings{}).status == 200);
}

// A member added at run time asks the others for the member list (GET /members) over https
// before it starts, then takes part through TLS streams like the rest.
BOOST_AUTO_TEST_CASE(peer_tls__a_member_added_at_run_time_joins_over_https) {
  const std::vector<std::string> peer_flags = {"--peer-cert-file=" + pki().cert("member"),
                                               "--peer-key-file=" + pki().key("member"),
                                               "--peer-trusted-ca-file=" + pki().cert("ca"), "--peer-client-cert-auth"};
  ClusterOptions o;
  o.peer_tls = true;
  o.extra_args = peer_flags;
  ServerCluster c(ServerKind::kCoordd, 3, o);
  BOOST_REQUIRE_MESSAGE(c.start(), c.last_error());
  coord::test::TempDir dir("coord-join-tls");
  const std::string peer = "https://127.0.0.1:" + std::to_string(coord::test::free_port());
  const std::string client_url = "http://127.0.0.1:" + std::to_string(coord::test::free_port());
  coord::ClientOptions admin_options;
  admin_options.endpoints = c.client_urls();
  coord::Client admin(admin_options);
  // The deadline only guards against a hang: on a loaded machine the TLS peer streams take longer
  // to count as connected.
  const auto added = coord::test::add_member_when_allowed(admin, peer, 60s);
  BOOST_REQUIRE_MESSAGE(added, "the 4th member could not be added");
  const std::string initial = c.initial_cluster_with("m3", peer);
  std::vector<std::string> argv = {*coord::test::server_binary(ServerKind::kCoordd), "--name=m3",
                                   "--data-dir=" + dir.file("m3.data"), "--listen-client-urls=" + client_url,
                                   "--advertise-client-urls=" + client_url, "--listen-peer-urls=" + peer,
                                   "--initial-advertise-peer-urls=" + peer, "--initial-cluster=" + initial,
                                   "--initial-cluster-state=existing", "--initial-cluster-token=coord-test-cluster"};
  argv.insert(argv.end(), peer_flags.begin(), peer_flags.end());
  coord::test::Process joiner(argv, dir.file("m3.log"));
  BOOST_REQUIRE_MESSAGE(coord::test::wait_http_ready(client_url, std::chrono::steady_clock::now() + 20s),
                        "the joining member did not become ready:\n" << joiner.log_tail());
  coord::ClientOptions own;
  own.endpoints = {client_url};
  coord::Client through_joiner(own);
  through_joiner.set("/joined", "yes");
  BOOST_TEST(*admin.get("/joined", coord::GetOptions{.quorum = true}).node.value == "yes");
  BOOST_TEST(through_joiner.members().size() == 4u);
}

BOOST_AUTO_TEST_CASE(joining__through_a_peer_that_accepts_and_says_nothing_fails_instead_of_hanging) {
  // Fault: the only other member a joining member can ask (--initial-cluster-state existing)
  // accepts the connection and never answers, over http and over https. What must hold: the
  // joining member gives up, says which step got no answer, and exits with an error.
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::acceptor silent(io, {net::ip::make_address("127.0.0.1"), 0});
  std::vector<net::ip::tcp::socket> held;  // accepted and never read or written
  std::function<void()> accept = [&] {
    silent.async_accept([&](boost::system::error_code ec, net::ip::tcp::socket sock) {
      if (ec) return;
      held.push_back(std::move(sock));
      accept();
    });
  };
  accept();
  std::thread runner([&] { io.run(); });
  const std::string silent_port = std::to_string(silent.local_endpoint().port());
  for (const std::string scheme : {"http", "https"}) {
    BOOST_TEST_CONTEXT(scheme) {
      coord::test::TempDir dir("coord-join-silent");
      const std::string own_peer = scheme + "://127.0.0.1:" + std::to_string(coord::test::free_port());
      const std::string client_url = "http://127.0.0.1:" + std::to_string(coord::test::free_port());
      std::vector<std::string> argv = {*coord::test::server_binary(ServerKind::kCoordd), "--name=m1",
                                       "--data-dir=" + dir.file("m1.data"), "--listen-client-urls=" + client_url,
                                       "--advertise-client-urls=" + client_url, "--listen-peer-urls=" + own_peer,
                                       "--initial-advertise-peer-urls=" + own_peer,
                                       "--initial-cluster=m0=" + scheme + "://127.0.0.1:" + silent_port + ",m1=" + own_peer,
                                       "--initial-cluster-state=existing"};
      if (scheme == "https") {
        argv.push_back("--peer-cert-file=" + pki().cert("member"));
        argv.push_back("--peer-key-file=" + pki().key("member"));
        argv.push_back("--peer-trusted-ca-file=" + pki().cert("ca"));
      }
      // run_to_exit waits 20 s for the exit (the member's own deadline is 5 s): -1 means it hung.
      const auto [status, output] = run_to_exit(argv, dir);
      BOOST_TEST(status == 1, output);
      const std::string step = scheme == "https" ? "TLS handshake with " : "GET ";
      BOOST_TEST(output.find("cannot join the cluster") != std::string::npos, output);
      BOOST_TEST(output.find(step + scheme + "://127.0.0.1:" + silent_port) != std::string::npos, output);
      BOOST_TEST(output.find("no answer within") != std::string::npos, output);
    }
  }
  io.stop();
  runner.join();
}

BOOST_AUTO_TEST_SUITE_END()
