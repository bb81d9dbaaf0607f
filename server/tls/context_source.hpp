// ContextSource: the OpenSSL context of one side of coordd (the client listeners, the peer
// listeners, or this member's connections to its peers), built from etcd's TLS flags and rebuilt
// when the certificate, key, CA or CRL files change, so certificates rotate without a restart.
// current() looks at the files at most once per second; a connection keeps the context it
// started with (it holds the shared_ptr), so rotation never disturbs one in flight. A rebuild
// that fails (e.g. a key that does not match the new certificate yet) keeps the old context and
// is retried at the next look. Thread-safe.
//
// Every context allows TLS 1.2 and 1.3 only. A server context requires and verifies client
// certificates when a trusted CA or client-cert auth is set (as etcd), refuses a chain holding a
// serial listed in the CRL file, and checks the allowed CN / hostname of the client certificate.
// A client context presents the certificate (if any) and verifies the server against the trusted
// CA (the system's when none) unless the certificate is self-signed by --peer-auto-tls.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/common/status.hpp"
#include "server/config/server_config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace coord::tls {

enum class Role { kServer, kClient };

struct ContextOptions {
  config::TlsInfo info;
  Role role = Role::kServer;
  std::vector<std::string> cipher_suites;  // OpenSSL names (TLS 1.2); empty: OpenSSL's defaults
};

class ContextSource {
 public:
  // Builds the first context; an error names the file that could not be used.
  static Result<std::shared_ptr<ContextSource>> create(ContextOptions options);

  // The context for a new connection (rebuilt first if the files changed).
  std::shared_ptr<boost::asio::ssl::context> current();
  // A client context verifies the server it connects to (false for self-signed peers).
  bool verifies_server() const { return options_.role == Role::kClient && !options_.info.self_signed; }
  const ContextOptions& options() const { return options_; }

  // How often current() looks at the files.
  static constexpr std::chrono::seconds kCheckInterval{1};

  explicit ContextSource(ContextOptions options) : options_(std::move(options)) {}

 private:
  // Size and modification time of every file the context is built from ("" files skipped).
  std::vector<std::pair<long long, long long>> stamps() const;

  // Constant after construction.
  const ContextOptions options_;

  std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;          // guarded by mu_
  std::vector<std::pair<long long, long long>> stamps_;         // guarded by mu_
  std::chrono::steady_clock::time_point checked_{};             // guarded by mu_
};

// Builds one context from `options` (what ContextSource does on each change). Exposed for tests.
Result<std::shared_ptr<boost::asio::ssl::context>> build_context(const ContextOptions& options);

}  // namespace coord::tls
