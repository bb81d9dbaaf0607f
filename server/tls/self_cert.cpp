#include "server/tls/self_cert.hpp"
#include "server/common/log.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

namespace coord::tls {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string subject_alt_names(const std::vector<std::string>& hosts) {
  std::string out;
  for (std::string h : hosts) {
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(h, not_ip);
    out += (out.empty() ? "" : ",") + std::string(not_ip ? "DNS:" : "IP:") + h;
  }
  return out;
}

Status write_pem(const std::string& path, mode_t mode, const std::function<bool(std::FILE*)>& write) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::io_error("cannot create " + path);
  ::chmod(path.c_str(), mode);
  const bool ok = write(f);
  if (std::fclose(f) != 0 || !ok) return Status::io_error("cannot write " + path);
  return Status::ok();
}

}  // namespace

Result<config::TlsInfo> self_cert(const std::string& dir, const std::vector<std::string>& hosts) {
  config::TlsInfo info;
  info.cert_file = dir + "/cert.pem";
  info.key_file = dir + "/key.pem";
  info.self_signed = true;
  std::error_code fs_error;
  std::filesystem::create_directories(dir, fs_error);
  if (fs_error) return Status::io_error("cannot create cert directory " + dir + ": " + fs_error.message());
  if (std::filesystem::exists(info.cert_file) && std::filesystem::exists(info.key_file)) return info;

  KeyPtr key(EVP_EC_gen("P-521"));
  CertPtr cert(X509_new());
  if (!key || !cert) return Status::internal("cannot generate an ECDSA key");
  unsigned char serial_bytes[16];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;  // a positive serial
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("etcd"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  const std::string sans = subject_alt_names(hosts);
  const bool extended = add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
                        add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
                        add_extension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth") &&
                        (sans.empty() || add_extension(cert.get(), NID_subject_alt_name, sans));
  if (!extended || X509_sign(cert.get(), key.get(), EVP_sha512()) == 0)
    return Status::internal("cannot generate x509 certificate");
  COORD_RETURN_IF_ERROR(write_pem(info.cert_file, 0644, [&](std::FILE* f) { return PEM_write_X509(f, cert.get()) == 1; }));
  COORD_RETURN_IF_ERROR(write_pem(info.key_file, 0600, [&](std::FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  }));
  COORD_LOG_INFO("created self-signed certificate " + info.cert_file);
  return info;
}

}  // namespace coord::tls
