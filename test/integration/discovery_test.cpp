// Bootstrapping a cluster from a discovery URL (--discovery), with real processes on loopback:
// coordd members through a token on a coordd and through the real discovery service
// (discovery.etcd.io with an etcd behind it), etcd 3.4 members through a token on a coordd, a
// member beyond the size (fallback proxy and fallback exit), a restarted member (its data dir
// wins: no second registration), a proxy that learns the members from the registrations, and a
// discovery service that is down while the members start, and an https service reached directly
// and through http and https proxies. Every process is started by the test
// and killed by pid (Process). Skipped without $COORDD (and etcd, discovery.etcd.io for theirs).
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "test/support/file/read_file.hpp"
#include "test/support/client/server_fixture.hpp"
#include "test/support/net/connect_proxy.hpp"
#include "test/support/net/tcp_relay.hpp"
#include "test/support/process/eventually.hpp"
#include "test/support/process/http_probe.hpp"
#include "test/support/process/process.hpp"
#include "test/support/process/server_cluster.hpp"
#include "test/support/tls/test_pki.hpp"

using namespace std::chrono_literals;
using coord::test::eventually;
using coord::test::free_port;
using coord::test::http_get;
using coord::test::http_request;
using coord::test::Process;
using coord::test::ServerKind;
using coord::test::TempDir;

namespace {

constexpr const char* kDiscoveryService = "/usr/bin/discovery.etcd.io";

std::string binary(ServerKind kind) {
  auto b = coord::test::server_binary(kind);
  BOOST_REQUIRE(b);
  return *b;
}

using coord::test::read_file;

// One server process on free loopback ports (a member, a proxy, or the discovery host), with its
// data dir and log under `dir`. Started by start(); killed by pid when destroyed.
struct Server {
  ServerKind kind = ServerKind::kCoordd;
  std::string name;
  int client_port = free_port();
  int peer_port = free_port();
  std::string data_dir, log_path;
  std::vector<std::string> extra;
  std::vector<std::string> env;  // NAME=value for the process
  std::unique_ptr<Process> process;

  Server(const TempDir& dir, std::string n, std::vector<std::string> args, ServerKind k = ServerKind::kCoordd)
      : kind(k), name(std::move(n)), data_dir(dir.file(name + ".data")), log_path(dir.file(name + ".log")), extra(std::move(args)) {}

  std::string client_url() const { return "http://127.0.0.1:" + std::to_string(client_port); }
  std::string peer_url() const { return "http://127.0.0.1:" + std::to_string(peer_port); }

  void start() {
    std::vector<std::string> argv = {binary(kind), "--name", name, "--data-dir", data_dir,
                                     "--listen-client-urls", client_url(), "--advertise-client-urls", client_url(),
                                     "--listen-peer-urls", peer_url(), "--initial-advertise-peer-urls", peer_url(),
                                     "--heartbeat-interval", "50", "--election-timeout", "500"};
    if (kind == ServerKind::kEtcd) argv.push_back("--enable-v2");
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<Process>(argv, log_path, env);
  }
  bool ready(std::chrono::milliseconds timeout = 15s) {
    return coord::test::wait_http_ready(client_url(), std::chrono::steady_clock::now() + timeout);
  }
  std::string log() const { return read_file(log_path); }
};

// A single coordd member that hosts discovery tokens under /v2/keys/discovery/.
struct CoorddHost {
  TempDir& dir;
  Server server;
  explicit CoorddHost(TempDir& d, int port = 0) : dir(d), server(d, "host", {}) {
    if (port != 0) server.client_port = port;
    server.extra = {"--initial-cluster", "host=" + server.peer_url()};
  }
  // A token of `size` members; its discovery URL.
  std::string token(const std::string& name, int size) {
    const std::string url = server.client_url() + "/v2/keys/discovery/" + name;
    auto r = http_request("PUT", url + "/_config/size", "value=" + std::to_string(size), 5s);
    BOOST_REQUIRE_MESSAGE(r && r->status == 201, "cannot create the token " << name);
    return url;
  }
};

std::vector<std::string> discovery_flags(const std::string& url, std::vector<std::string> more = {}) {
  std::vector<std::string> out = {"--discovery", url};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

// Starts `n` members m1..mn (of `kind`) with `flags`; all at once, as a cluster bootstraps.
// "m1", "m2", ...
std::string member_name(int i) {
  std::string name = "m";
  name += std::to_string(i);
  return name;
}

std::vector<std::unique_ptr<Server>> start_members(TempDir& dir, int n, const std::vector<std::string>& flags,
                                                   ServerKind kind = ServerKind::kCoordd) {
  std::vector<std::unique_ptr<Server>> out;
  for (int i = 1; i <= n; ++i) {
    out.push_back(std::make_unique<Server>(dir, member_name(i), flags, kind));
    out.back()->start();
  }
  return out;
}

void require_ready(std::vector<std::unique_ptr<Server>>& members) {
  for (auto& m : members) BOOST_REQUIRE_MESSAGE(m->ready(), m->name << " is not ready:\n" << m->process->log_tail());
}

// The member list one member gives, as "name=peerURL" strings, sorted.
std::vector<std::string> members_of(const Server& s) {
  auto r = http_get(s.client_url() + "/v2/members", 5s);
  BOOST_REQUIRE(r && r->status == 200);
  std::vector<std::string> out;
  const std::string& b = r->body;
  for (auto at = b.find("\"name\":\""); at != std::string::npos; at = b.find("\"name\":\"", at + 1)) {
    const auto name_end = b.find('"', at + 8);
    const auto peer = b.find("\"peerURLs\":[\"", at);
    const auto peer_end = b.find('"', peer + 13);
    out.push_back(b.substr(at + 8, name_end - at - 8) + "=" + b.substr(peer + 13, peer_end - peer - 13));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> expected_members(const std::vector<std::unique_ptr<Server>>& members) {
  std::vector<std::string> out;
  for (const auto& m : members) out.push_back(m->name + "=" + m->peer_url());
  std::sort(out.begin(), out.end());
  return out;
}

// A write through `writer` is read back from `reader` with a quorum read: one cluster.
void require_one_cluster(const Server& writer, const Server& reader, const std::string& key) {
  auto put = http_request("PUT", writer.client_url() + "/v2/keys/" + key, "value=v", 5s);
  BOOST_REQUIRE(put && put->status / 100 == 2);
  auto got = http_get(reader.client_url() + "/v2/keys/" + key + "?quorum=true", 5s);
  BOOST_REQUIRE(got && got->status == 200);
  BOOST_TEST(got->body.find("\"value\":\"v\"") != std::string::npos);
}

int registrations(const std::string& token_url) {
  auto r = http_get(token_url, 5s);
  BOOST_REQUIRE(r && r->status == 200);
  int n = 0;
  for (auto at = r->body.find("\"key\":"); at != std::string::npos; at = r->body.find("\"key\":", at + 1)) ++n;
  return n - 1;  // the token directory itself (its _config is hidden: keys API listings skip _ names)
}

struct DiscoveryServiceAvailable {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    if (::access(kDiscoveryService, X_OK) == 0) return true;
    boost::test_tools::assertion_result r(false);
    r.message() << "skipped: " << kDiscoveryService << " missing (Debian package etcd-discovery)";
    return r;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(discovery)

BOOST_AUTO_TEST_CASE(coordd_hosted_token__three_members_then_proxy_fallback_exit_fallback_and_a_restart,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd})) {
  TempDir dir("coord-discovery");
  CoorddHost host(dir);
  host.server.start();
  BOOST_REQUIRE_MESSAGE(host.server.ready(), host.server.process->log_tail());
  const std::string url = host.token("t3", 3);

  auto members = start_members(dir, 3, discovery_flags(url));
  require_ready(members);
  BOOST_TEST(members_of(*members[0]) == expected_members(members), boost::test_tools::per_element());
  require_one_cluster(*members[0], *members[2], "formed");
  BOOST_TEST(registrations(url) == 3);
  const std::string registered = http_get(url, 5s)->body;

  // A fourth member finds the cluster full: by default it becomes a proxy of the three, without
  // registering, and records them in its cluster file.
  Server fourth(dir, "m4", discovery_flags(url));
  fourth.start();
  BOOST_REQUIRE_MESSAGE(fourth.ready(), fourth.process->log_tail());
  require_one_cluster(fourth, *members[1], "through-fallback-proxy");
  BOOST_TEST(std::filesystem::exists(fourth.data_dir + "/proxy/cluster"));
  BOOST_TEST(fourth.log().find("discovery cluster full, falling back to proxy") != std::string::npos);

  // With --discovery-fallback exit it stops, in etcd's words.
  Server fifth(dir, "m5", discovery_flags(url, {"--discovery-fallback", "exit"}));
  fifth.start();
  auto status = fifth.process->wait_exit(10s);
  BOOST_REQUIRE_MESSAGE(status, "a member of a full cluster did not exit");
  BOOST_TEST(WIFEXITED(*status));
  BOOST_TEST(WEXITSTATUS(*status) == 1);
  BOOST_TEST(fifth.log().find("failed to join discovery cluster (discovery: cluster is full)") != std::string::npos);
  BOOST_TEST(registrations(url) == 3);

  // A member restarted on its data dir ignores discovery: it does not register again (the
  // token directory is unchanged) and rejoins its cluster, whose first members' peer URLs it
  // takes from the record it kept.
  BOOST_TEST(std::filesystem::exists(members[1]->data_dir + "/discovery/cluster"));
  members[1]->process->terminate();
  members[1]->start();
  BOOST_REQUIRE_MESSAGE(members[1]->ready(), members[1]->process->log_tail());
  require_one_cluster(*members[1], *members[0], "after-restart");
  BOOST_TEST(http_get(url, 5s)->body == registered);

  // The fallback proxy restarted on its data dir is a proxy again, from its cluster file.
  fourth.process->kill();
  fourth.start();
  BOOST_REQUIRE_MESSAGE(fourth.ready(), fourth.process->log_tail());
  require_one_cluster(fourth, *members[0], "through-restarted-fallback-proxy");

  // The fault: m3 loses its data dir after the cluster formed. What must hold: it finds its own
  // registration but refuses to bootstrap again (it could vote twice in a term), and the
  // discovery token is left as it was.
  members[2]->process->kill();
  std::filesystem::remove_all(members[2]->data_dir);
  members[2]->start();
  status = members[2]->process->wait_exit(15s);
  BOOST_REQUIRE_MESSAGE(status, "a member without its data dir bootstrapped again");
  BOOST_TEST(WEXITSTATUS(*status) == 1);
  BOOST_TEST(members[2]->log().find("has already been bootstrapped") != std::string::npos, members[2]->log());
  BOOST_TEST(http_get(url, 5s)->body == registered);

  // A URL that is no keys API, and a token without its size, are refused in etcd's words.
  Server foreign(dir, "m7", discovery_flags(host.server.client_url() + "/not-keys/t"));
  foreign.start();
  status = foreign.process->wait_exit(10s);
  BOOST_REQUIRE(status);
  BOOST_TEST(WEXITSTATUS(*status) == 1);
  BOOST_TEST(foreign.log().find("discovery: bad discovery endpoint") != std::string::npos, foreign.log());

  Server unsized(dir, "m6", discovery_flags(host.server.client_url() + "/v2/keys/discovery/no-size"));
  unsized.start();
  status = unsized.process->wait_exit(10s);
  BOOST_REQUIRE_MESSAGE(status, "log: " << unsized.log() << " tail: " << unsized.process->log_tail());
  BOOST_TEST(WEXITSTATUS(*status) == 1);
  BOOST_TEST(unsized.log().find("discovery: size key not found") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(service_down_at_start__members_retry_and_form_the_cluster_once_it_answers,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd})) {
  // The fault: nothing listens at the discovery URL when the members start. What must hold: each
  // member keeps trying (with back-off) and the three form one cluster once the service is up.
  TempDir dir("coord-discovery");
  CoorddHost host(dir, free_port());
  const std::string url = host.server.client_url() + "/v2/keys/discovery/late";
  auto members = start_members(dir, 3, discovery_flags(url));
  for (auto& m : members)
    BOOST_REQUIRE_MESSAGE(eventually([&] { return m->log().find("retrying in") != std::string::npos; }, 10s),
                          m->name << " never tried the service:\n" << m->process->log_tail());
  host.server.start();
  BOOST_REQUIRE_MESSAGE(host.server.ready(), host.server.process->log_tail());
  host.token("late", 3);
  require_ready(members);
  BOOST_TEST(members_of(*members[2]) == expected_members(members), boost::test_tools::per_element());
  require_one_cluster(*members[2], *members[0], "late");
}

BOOST_AUTO_TEST_CASE(https_token__the_member_checks_the_service_certificate_directly_and_through_http_and_https_proxies,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd})) {
  BOOST_REQUIRE_MESSAGE(coord::test::TestPki::available(), "/usr/bin/openssl is needed for the certificates");
  coord::test::TestPki pki;
  BOOST_REQUIRE(pki.make_ca("ca") && pki.issue("ca", "server"));
  TempDir dir("coord-discovery");
  // The host serves http (to create the token) and https (for the member) on two ports.
  CoorddHost host(dir);
  const std::string https_url = "https://127.0.0.1:" + std::to_string(free_port());
  host.server.extra.insert(host.server.extra.end(), {"--listen-client-urls", host.server.client_url() + "," + https_url,
                                                     "--cert-file", pki.cert("server"), "--key-file", pki.key("server")});
  host.server.start();
  BOOST_REQUIRE_MESSAGE(host.server.ready(), host.server.process->log_tail());
  host.token("tls", 1);
  // A member that does not trust the service's CA does not talk to it (and keeps trying).
  Server untrusting(dir, "m2", discovery_flags(https_url + "/v2/keys/discovery/tls"));
  untrusting.start();
  BOOST_TEST(eventually([&] { return untrusting.log().find("certificate verify failed") != std::string::npos; }, 10s),
             untrusting.log());
  // The member trusts the test CA as a system CA (OpenSSL's SSL_CERT_FILE).
  Server member(dir, "m1", discovery_flags(https_url + "/v2/keys/discovery/tls"));
  member.env = {"SSL_CERT_FILE=" + pki.cert("ca")};
  member.start();
  BOOST_REQUIRE_MESSAGE(member.ready(), member.process->log_tail());
  auto registered = http_get(host.server.client_url() + "/v2/keys/discovery/tls", 5s);
  BOOST_REQUIRE(registered);
  BOOST_TEST(registered->body.find("m1=" + member.peer_url()) != std::string::npos, registered->body);

  // Through --discovery-proxy the https service is reached in a CONNECT tunnel, TLS end to end:
  // the member still checks the service's certificate and host name.
  coord::test::ConnectProxy proxy;
  host.token("tls-proxied", 1);
  Server proxied(dir, "m3", discovery_flags(https_url + "/v2/keys/discovery/tls-proxied", {"--discovery-proxy", proxy.address()}));
  proxied.env = {"SSL_CERT_FILE=" + pki.cert("ca")};
  proxied.start();
  BOOST_REQUIRE_MESSAGE(proxied.ready(), proxied.log());
  BOOST_TEST(proxy.tunnels() >= 1u);
  registered = http_get(host.server.client_url() + "/v2/keys/discovery/tls-proxied", 5s);
  BOOST_REQUIRE(registered);
  BOOST_TEST(registered->body.find("m3=" + proxied.peer_url()) != std::string::npos, registered->body);
  // A proxy that refuses the tunnel: the member says so and keeps trying.
  const std::string by_name = "https://localhost:" + https_url.substr(https_url.rfind(':') + 1);
  Server refused(dir, "m4", discovery_flags(by_name + "/v2/keys/discovery/tls-proxied", {"--discovery-proxy", proxy.address()}));
  refused.start();
  BOOST_TEST(eventually([&] { return refused.log().find("refused CONNECT localhost:") != std::string::npos; }, 10s),
             refused.log());
  BOOST_TEST(proxy.refused() >= 1u);

  // An https proxy (--discovery-proxy https://...), as Go's HTTP client speaks to one: TLS with
  // the proxy, its certificate checked against the same CAs and its host name, then the CONNECT
  // tunnel inside that session, TLS end to end with the service (TLS in TLS).
  coord::test::ConnectProxy tls_proxy(pki.cert("server"), pki.key("server"));
  const std::string tls_proxy_url = "https://" + tls_proxy.address();
  host.token("tls-in-tls", 1);
  Server nested(dir, "m5", discovery_flags(https_url + "/v2/keys/discovery/tls-in-tls", {"--discovery-proxy", tls_proxy_url}));
  nested.env = {"SSL_CERT_FILE=" + pki.cert("ca")};
  nested.start();
  // An http service through the https proxy: absolute-form requests inside the proxy's session.
  host.token("http-via-tls-proxy", 1);
  Server forwarded(dir, "m6", discovery_flags(host.server.client_url() + "/v2/keys/discovery/http-via-tls-proxy",
                                              {"--discovery-proxy", tls_proxy_url}));
  forwarded.env = {"SSL_CERT_FILE=" + pki.cert("ca")};
  forwarded.start();
  // A member that does not trust the proxy's certificate sends it nothing (and keeps trying).
  Server distrustful(dir, "m7", discovery_flags(host.server.client_url() + "/v2/keys/discovery/http-via-tls-proxy",
                                                {"--discovery-proxy", tls_proxy_url}));
  distrustful.start();
  BOOST_REQUIRE_MESSAGE(nested.ready(), nested.log());
  BOOST_REQUIRE_MESSAGE(forwarded.ready(), forwarded.log());
  BOOST_TEST(tls_proxy.tunnels() >= 1u);
  BOOST_TEST(tls_proxy.forwarded() >= 1u);
  for (const auto& [token, name, peer] : {std::tuple{"tls-in-tls", "m5", nested.peer_url()},
                                          std::tuple{"http-via-tls-proxy", "m6", forwarded.peer_url()}}) {
    registered = http_get(host.server.client_url() + "/v2/keys/discovery/" + token, 5s);
    BOOST_REQUIRE(registered);
    BOOST_TEST(registered->body.find(std::string(name) + "=" + peer) != std::string::npos, registered->body);
  }
  BOOST_TEST(eventually([&] { return distrustful.log().find("TLS handshake with the proxy " + tls_proxy.address()) != std::string::npos &&
                                     distrustful.log().find("certificate verify failed") != std::string::npos; },
                        10s),
             distrustful.log());
}

BOOST_AUTO_TEST_CASE(etcd_members__bootstrap_from_a_coordd_hosted_token,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}) *
                         boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kEtcd})) {
  TempDir dir("coord-discovery");
  CoorddHost host(dir);
  host.server.start();
  BOOST_REQUIRE_MESSAGE(host.server.ready(), host.server.process->log_tail());
  const std::string url = host.token("etcd3", 3);
  auto members = start_members(dir, 3, discovery_flags(url), ServerKind::kEtcd);
  require_ready(members);
  BOOST_TEST(members_of(*members[1]) == expected_members(members), boost::test_tools::per_element());
  require_one_cluster(*members[0], *members[2], "etcd-formed");
  // etcd registered under its member ids: the same ids coordd derives (name, URL and token).
  auto listed = http_get(members[0]->client_url() + "/v2/members", 5s);
  auto tokens = http_get(url, 5s);
  BOOST_REQUIRE(listed && tokens);
  for (auto at = listed->body.find("\"id\":\""); at != std::string::npos; at = listed->body.find("\"id\":\"", at + 1)) {
    std::string id = listed->body.substr(at + 6, listed->body.find('"', at + 6) - at - 6);
    id.erase(0, std::min(id.find_first_not_of('0'), id.size() - 1));
    BOOST_TEST(tokens->body.find("/etcd3/" + id + "\"") != std::string::npos, id << " not registered in " << tokens->body);
  }
}

BOOST_AUTO_TEST_CASE(real_discovery_service__coordd_members_one_through_an_http_proxy_and_a_proxy_member,
                     *boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kCoordd}) *
                         boost::unit_test::precondition(coord::test::ServerAvailable{ServerKind::kEtcd}) *
                         boost::unit_test::precondition(DiscoveryServiceAvailable{})) {
  TempDir dir("coord-discovery");
  // The discovery service keeps its tokens in an etcd of its own.
  Server store(dir, "store", {}, ServerKind::kEtcd);
  store.extra = {"--initial-cluster", "store=" + store.peer_url()};
  store.start();
  BOOST_REQUIRE_MESSAGE(store.ready(), store.process->log_tail());
  const int service_port = free_port();
  const std::string service = "http://127.0.0.1:" + std::to_string(service_port);
  Process discovery({kDiscoveryService, "--etcd", store.client_url(), "--host", service, "--addr",
                     "127.0.0.1:" + std::to_string(service_port)},
                    dir.file("discovery.log"));
  std::optional<coord::test::HttpReply> made;
  BOOST_REQUIRE_MESSAGE(eventually([&] { return (made = http_get(service + "/new?size=3", 1s)) && made->status == 200; }, 10s),
                        "the discovery service never answered /new:\n" << discovery.log_tail());
  std::string url = made->body;
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
  BOOST_REQUIRE(url.rfind(service + "/", 0) == 0);

  // m3 reaches the service through an HTTP proxy (a relay to a server that takes absolute-form
  // request targets, as proxies pass them on).
  coord::test::TcpRelay relay(service);
  std::vector<std::unique_ptr<Server>> members;
  for (int i = 1; i <= 3; ++i) {
    std::vector<std::string> flags = discovery_flags(url);
    if (i == 3) flags = discovery_flags(url, {"--discovery-proxy", relay.url()});
    members.push_back(std::make_unique<Server>(dir, member_name(i), flags));
    members.back()->start();
  }
  require_ready(members);
  BOOST_TEST(relay.accepted() > 0u);
  BOOST_TEST(members_of(*members[0]) == expected_members(members), boost::test_tools::per_element());
  require_one_cluster(*members[0], *members[1], "through-discovery-service");

  // A proxy started with --proxy on --discovery learns the members from the registrations.
  Server proxy(dir, "proxy", {"--proxy", "on", "--discovery", url});
  proxy.start();
  BOOST_REQUIRE_MESSAGE(proxy.ready(), proxy.process->log_tail());
  require_one_cluster(proxy, *members[2], "through-discovered-proxy");
}

BOOST_AUTO_TEST_SUITE_END()
