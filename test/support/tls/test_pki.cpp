#include "test/support/tls/test_pki.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace coord::test {

TestPki::TestPki() : dir_("coord-pki") {}

bool TestPki::available() { return ::access("/usr/bin/openssl", X_OK) == 0; }

bool TestPki::openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  const std::string log = dir_.file("openssl-" + std::to_string(++runs_) + ".log");
  Process p(args, log);
  auto status = p.wait_exit(std::chrono::seconds(30));
  const bool ok = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  if (!ok) last_error_ = p.log_tail();
  return ok;
}

bool TestPki::write_ca_config(const std::string& ca) {
  const std::string db = dir_.file(ca + "-index.txt");
  if (::access(db.c_str(), F_OK) != 0) std::ofstream(db).flush();
  std::ofstream(dir_.file(ca + "-ca.cnf")) << "[ ca ]\ndefault_ca = own\n[ own ]\ndatabase = " << db
                                           << "\ndefault_md = sha256\ndefault_crl_days = 2\n";
  return true;
}

bool TestPki::make_ca(const std::string& name) {
  return openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key(name), "-out", cert(name), "-days",
                  "2", "-subj", "/CN=" + name}) &&
         write_ca_config(name);
}

bool TestPki::issue(const std::string& ca, const std::string& name, const std::string& cn, const std::string& sans) {
  const std::string ext = dir_.file(name + ".ext");
  std::ofstream(ext) << (sans.empty() ? "" : "subjectAltName=" + sans + "\n")
                     << "extendedKeyUsage=serverAuth,clientAuth\n";
  const std::string csr = dir_.file(name + ".csr");
  return openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", key(name), "-out", csr, "-subj",
                  "/CN=" + (cn.empty() ? name : cn)}) &&
         openssl({"x509", "-req", "-in", csr, "-CA", cert(ca), "-CAkey", key(ca), "-CAcreateserial", "-out", cert(name),
                  "-days", "2", "-extfile", ext});
}

bool TestPki::revoke(const std::string& ca, const std::string& name) {
  const std::string cnf = dir_.file(ca + "-ca.cnf");
  return openssl({"ca", "-config", cnf, "-keyfile", key(ca), "-cert", cert(ca), "-revoke", cert(name)}) &&
         empty_crl(ca);
}

bool TestPki::empty_crl(const std::string& ca) {
  const std::string cnf = dir_.file(ca + "-ca.cnf");
  return openssl({"ca", "-config", cnf, "-keyfile", key(ca), "-cert", cert(ca), "-gencrl", "-out", crl(ca)});
}

std::string TestPki::serial(const std::string& name) const {
  const std::string out = dir_.file(name + ".serial");
  Process p({"/usr/bin/openssl", "x509", "-in", cert(name), "-noout", "-serial"}, out);
  if (!p.wait_exit(std::chrono::seconds(10))) return {};
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);  // "serial=0123AB..."
  const auto eq = line.find('=');
  return eq == std::string::npos ? std::string() : line.substr(eq + 1);
}

}  // namespace coord::test
