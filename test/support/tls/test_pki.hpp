// coord::test::TestPki — certificates for TLS tests, made with /usr/bin/openssl in a TempDir:
// certificate authorities, certificates they sign (for 127.0.0.1 and localhost by default,
// usable as server and client certificates), and revocation lists. Files are named after what
// they hold: <name>.pem and <name>-key.pem; a CA's CRL is <ca>.crl.
//
// Thread-safety: one test thread at a time.
#pragma once

#include <string>

#include "test/support/process/process.hpp"

namespace coord::test {

class TestPki {
 public:
  TestPki();

  // True when /usr/bin/openssl can be run (tests skip otherwise).
  static bool available();

  // A self-signed CA named `name` (CN = name).
  bool make_ca(const std::string& name);
  // A certificate `name` (CN = `cn`, or name) signed by `ca`, with these subject alternative names.
  bool issue(const std::string& ca, const std::string& name, const std::string& cn = "",
             const std::string& sans = "IP:127.0.0.1,DNS:localhost");
  // Adds `name` to `ca`'s revocation list and writes the list to crl(ca).
  bool revoke(const std::string& ca, const std::string& name);
  // An empty revocation list of `ca` at crl(ca).
  bool empty_crl(const std::string& ca);

  std::string cert(const std::string& name) const { return dir_.file(name + ".pem"); }
  std::string key(const std::string& name) const { return dir_.file(name + "-key.pem"); }
  std::string crl(const std::string& ca) const { return dir_.file(ca + ".crl"); }
  // The certificate's serial number in upper-case hex, as OpenSSL prints it ("" on failure).
  std::string serial(const std::string& name) const;
  const TempDir& dir() const { return dir_; }
  // What the last failed openssl command printed.
  const std::string& last_error() const { return last_error_; }

 private:
  bool openssl(std::vector<std::string> args);
  bool write_ca_config(const std::string& ca);

  TempDir dir_;
  std::string last_error_;
  int runs_ = 0;
};

}  // namespace coord::test
