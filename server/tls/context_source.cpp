#include "server/tls/context_source.hpp"
#include "server/common/log.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

namespace coord::tls {

namespace ssl = boost::asio::ssl;

namespace {

// "open <path>: no such file or directory", as Go words it, when the file cannot be read.
Status check_readable(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::string why = std::strerror(errno);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return Status::invalid_argument("open " + path + ": " + why);
  }
  std::fclose(f);
  return Status::ok();
}

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

std::string serial_hex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return {};
  char* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

// The serial numbers a CRL file (PEM or DER) lists as revoked. Like etcd, the CRL's signature is
// not checked: the file is the operator's word.
Result<std::set<std::string>> revoked_serials(const std::string& path) {
  COORD_RETURN_IF_ERROR(check_readable(path));
  BIO* bio = BIO_new_file(path.c_str(), "rb");
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
  if (crl == nullptr) {
    ERR_clear_error();
    (void)BIO_reset(bio);
    crl = d2i_X509_CRL_bio(bio, nullptr);
  }
  BIO_free(bio);
  if (crl == nullptr) return Status::invalid_argument("cannot parse CRL file " + path + ": " + openssl_error());
  std::set<std::string> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)), nullptr);
    char* hex = BN_bn2hex(bn);
    out.insert(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  X509_CRL_free(crl);
  return out;
}

std::string common_name(X509* cert) {
  char cn[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return n > 0 ? std::string(cn, static_cast<std::size_t>(n)) : std::string();
}

// What a server checks in the chain a client presents, beyond OpenSSL's own verification.
struct ClientCertChecks {
  std::set<std::string> revoked;  // serials (hex) from the CRL file
  std::string allowed_cn;
  std::string allowed_hostname;
};

bool check_client_chain(const ClientCertChecks& checks, bool preverified, ssl::verify_context& vc) {
  if (!preverified) return false;
  X509_STORE_CTX* store = vc.native_handle();
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (cert == nullptr) return false;
  if (!checks.revoked.empty() && checks.revoked.count(serial_hex(cert)) != 0) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REVOKED);
    return false;
  }
  if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
  bool allowed = true;
  if (!checks.allowed_cn.empty()) allowed = common_name(cert) == checks.allowed_cn;
  if (!checks.allowed_hostname.empty()) {
    const std::string& h = checks.allowed_hostname;
    // As Go's VerifyHostname: an IP is matched against the IP SANs, a name against the DNS SANs.
    allowed = X509_check_ip_asc(cert, h.c_str(), 0) == 1 || X509_check_host(cert, h.data(), h.size(), 0, nullptr) == 1;
  }
  if (!allowed) X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return allowed;
}

Status load_ca(ssl::context& ctx, const std::string& ca_file, bool server) {
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
    return Status::ok();  // no system store is not fatal: verification then fails per connection
  }
  COORD_RETURN_IF_ERROR(check_readable(ca_file));
  ctx.load_verify_file(ca_file, ec);
  if (ec) return Status::invalid_argument("cannot load trusted CA file " + ca_file + ": " + ec.message());
  if (server) {
    // Tell clients which CAs their certificate must come from.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str()))
      SSL_CTX_set_client_CA_list(ctx.native_handle(), names);
    ERR_clear_error();
  }
  return Status::ok();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> build_context(const ContextOptions& options) {
  const config::TlsInfo& info = options.info;
  const bool server = options.role == Role::kServer;
  auto ctx = std::make_shared<ssl::context>(server ? ssl::context::tls_server : ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!info.empty()) {
    COORD_RETURN_IF_ERROR(check_readable(info.cert_file));
    COORD_RETURN_IF_ERROR(check_readable(info.key_file));
    ctx->use_certificate_chain_file(info.cert_file, ec);
    if (ec) return Status::invalid_argument("cannot load certificate file " + info.cert_file + ": " + ec.message());
    ctx->use_private_key_file(info.key_file, ssl::context::pem, ec);
    // Go's words for a key of another certificate (OpenSSL checks the pair when it loads the key).
    const bool mismatch = (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) ||
                          (!ec && SSL_CTX_check_private_key(ctx->native_handle()) != 1);
    ERR_clear_error();
    if (mismatch)
      return Status::invalid_argument("tls: private key does not match public key (" + info.key_file + ", " +
                                      info.cert_file + ")");
    if (ec) return Status::invalid_argument("cannot load key file " + info.key_file + ": " + ec.message());
  }
  if (!options.cipher_suites.empty()) {
    std::string list;
    for (const auto& c : options.cipher_suites) list += (list.empty() ? "" : ":") + c;
    if (SSL_CTX_set_cipher_list(ctx->native_handle(), list.c_str()) != 1)
      return Status::invalid_argument("--cipher-suites: OpenSSL supports none of " + list + ": " + openssl_error());
  }
  if (server) {
    static const unsigned char kSessionContext[] = "coordd";
    SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext, sizeof kSessionContext - 1);
    if (info.requires_client_cert()) {
      COORD_RETURN_IF_ERROR(load_ca(*ctx, info.trusted_ca_file, true));
      auto checks = std::make_shared<ClientCertChecks>();
      if (!info.crl_file.empty()) {
        auto revoked = revoked_serials(info.crl_file);
        if (!revoked) return revoked.status();
        checks->revoked = std::move(*revoked);
      }
      checks->allowed_cn = info.allowed_cn;
      checks->allowed_hostname = info.allowed_hostname;
      ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      ctx->set_verify_callback([checks](bool preverified, ssl::verify_context& vc) {
        return check_client_chain(*checks, preverified, vc);
      });
    } else {
      ctx->set_verify_mode(ssl::verify_none);
    }
  } else if (!info.self_signed) {
    COORD_RETURN_IF_ERROR(load_ca(*ctx, info.trusted_ca_file, false));
    ctx->set_verify_mode(ssl::verify_peer);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

Result<std::shared_ptr<ContextSource>> ContextSource::create(ContextOptions options) {
  auto source = std::make_shared<ContextSource>(std::move(options));
  auto ctx = build_context(source->options_);
  if (!ctx) return ctx.status();
  source->context_ = std::move(*ctx);
  source->stamps_ = source->stamps();
  source->checked_ = std::chrono::steady_clock::now();
  return source;
}

std::vector<std::pair<long long, long long>> ContextSource::stamps() const {
  std::vector<std::pair<long long, long long>> out;
  const auto& i = options_.info;
  for (const std::string* path : {&i.cert_file, &i.key_file, &i.trusted_ca_file, &i.crl_file}) {
    struct stat st {};
    if (path->empty() || ::stat(path->c_str(), &st) != 0) {
      out.emplace_back(-1, -1);
      continue;
    }
    out.emplace_back(static_cast<long long>(st.st_size),
                     static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec);
  }
  return out;
}

std::shared_ptr<ssl::context> ContextSource::current() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_ < kCheckInterval) return context_;
  checked_ = now;
  auto fresh = stamps();
  if (fresh == stamps_) return context_;
  auto ctx = build_context(options_);
  if (!ctx) {
    // Files caught half-replaced: keep serving with what worked and look again later.
    COORD_LOG_WARN("TLS files changed but cannot be used yet (keeping the old ones): " + ctx.status().message());
    return context_;
  }
  stamps_ = std::move(fresh);
  context_ = std::move(*ctx);
  COORD_LOG_INFO("TLS certificate files changed; new connections use them");
  return context_;
}

}  // namespace coord::tls
