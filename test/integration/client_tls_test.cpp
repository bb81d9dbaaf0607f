// TLS: an https etcd/coordd member that requires client certificates, reached through
// coord::enable_tls with a CA file and a client certificate. Needs OpenSSL at link time, so it is
// compiled only when the test target defines COORD_TEST_TLS and links ssl and crypto (as
// test/Jamfile's integration_test does); otherwise this file is empty. coordd's own TLS cases are
// in server_tls_test.cpp.
#if defined(COORD_TEST_TLS)

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

#include "coord/coord.hpp"
#include "coord/tls.hpp"
#include "test/support/client/server_fixture.hpp"

using namespace coord;
using namespace coord::test;

namespace {

// Runs /usr/bin/openssl with `args` in `dir`; true when it exits 0.
bool openssl(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  Process p(args, dir.file("openssl.log"));
  auto status = p.wait_exit(std::chrono::seconds(30));
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
bool make_certificates(const TempDir& d) {
  std::ofstream(d.file("ext.cnf")) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                      "extendedKeyUsage=serverAuth,clientAuth\n";
  auto sign = [&](const std::string& name) {
    return openssl(d, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", d.file(name + "-key.pem"), "-out",
                       d.file(name + ".csr"), "-subj", "/CN=" + name}) &&
           openssl(d, {"x509", "-req", "-in", d.file(name + ".csr"), "-CA", d.file("ca.pem"), "-CAkey",
                       d.file("ca-key.pem"), "-CAcreateserial", "-out", d.file(name + ".pem"), "-days", "2",
                       "-extfile", d.file("ext.cnf")});
  };
  return openssl(d, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d.file("ca-key.pem"), "-out",
                     d.file("ca.pem"), "-days", "2", "-subj", "/CN=coord-test-ca"}) &&
         sign("server") && sign("client");
}

// One TLS member per server kind, started on first use (by the precondition) and kept.
struct TlsServer {
  std::unique_ptr<TempDir> certs;
  std::unique_ptr<ServerCluster> cluster;
  std::string error;
};

TlsServer& tls_server(ServerKind kind) {
  static std::map<ServerKind, TlsServer> servers;
  auto [it, fresh] = servers.try_emplace(kind);
  TlsServer& s = it->second;
  if (!fresh) return s;
  std::string why;
  if (!server_binary(kind, &why)) {
    s.error = why;
    return s;
  }
  if (::access("/usr/bin/openssl", X_OK) != 0) {
    s.error = "/usr/bin/openssl is missing";
    return s;
  }
  s.certs = std::make_unique<TempDir>("coord-tls");
  if (!make_certificates(*s.certs)) {
    s.error = "openssl could not make test certificates";
    return s;
  }
  ClusterOptions co;
  co.client_tls = true;
  co.extra_args = {"--cert-file=" + s.certs->file("server.pem"), "--key-file=" + s.certs->file("server-key.pem"),
                   "--client-cert-auth=true", "--trusted-ca-file=" + s.certs->file("ca.pem")};
  auto cluster = std::make_unique<ServerCluster>(kind, 1, co);
  if (cluster->start()) {
    s.cluster = std::move(cluster);
  } else {
    s.error = std::string(to_string(kind)) + " did not start with TLS: " + cluster->last_error().substr(0, 400);
  }
  return s;
}

// Precondition: a TLS member of `kind` runs.
struct TlsServerAvailable {
  ServerKind kind;
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    auto& s = tls_server(kind);
    if (s.cluster) return true;
    boost::test_tools::assertion_result r(false);
    r.message() << "skipped: " << s.error;
    return r;
  }
};

void run_tls_case(ServerKind kind) {
  TlsServer& server = tls_server(kind);
  const TempDir& certs = *server.certs;
  ClientOptions o;
  o.endpoints = server.cluster->client_urls();
  o.tls.ca_file = certs.file("ca.pem");
  o.tls.cert_file = certs.file("client.pem");
  o.tls.key_file = certs.file("client-key.pem");
  enable_tls(o);
  Client client(o);
  client.set("/tls/k", "secure");
  BOOST_TEST(*client.get("/tls/k", GetOptions{.quorum = true}).node.value == "secure");

  // Without a client certificate the server refuses; the client reports it instead of hanging.
  ClientOptions anonymous = o;
  anonymous.tls.cert_file.clear();
  anonymous.tls.key_file.clear();
  anonymous.request_timeout = std::chrono::seconds(2);
  Client refused(anonymous);
  BOOST_CHECK_THROW(refused.get("/tls/k"), std::exception);

  // A CA that did not sign the server certificate fails verification.
  ClientOptions wrong_ca = o;
  wrong_ca.tls.ca_file = certs.file("client.pem");
  wrong_ca.request_timeout = std::chrono::seconds(2);
  Client untrusting(wrong_ca);
  BOOST_CHECK_THROW(untrusting.get("/tls/k"), TransportError);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_tls)

BOOST_AUTO_TEST_CASE(tls__client_certificate_auth__etcd,
                     *boost::unit_test::precondition(TlsServerAvailable{ServerKind::kEtcd})) {
  run_tls_case(ServerKind::kEtcd);
}

BOOST_AUTO_TEST_CASE(tls__client_certificate_auth__coordd,
                     *boost::unit_test::precondition(TlsServerAvailable{ServerKind::kCoordd})) {
  run_tls_case(ServerKind::kCoordd);
}

BOOST_AUTO_TEST_SUITE_END()

#endif  // COORD_TEST_TLS
