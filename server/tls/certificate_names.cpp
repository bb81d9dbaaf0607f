#include "server/tls/certificate_names.hpp"

#include <openssl/x509.h>

namespace coord::tls {

std::vector<std::string> verified_common_names(SSL* ssl) {
  std::vector<std::string> names;
  // Only a chain that verification built counts: an unverified certificate names nobody.
  if (SSL_get_verify_result(ssl) != X509_V_OK) return names;
  STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
  if (chain == nullptr) return names;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509_NAME* subject = X509_get_subject_name(sk_X509_value(chain, i));
    const int at = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
    if (at < 0) continue;
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                       static_cast<std::size_t>(ASN1_STRING_length(cn)));
  }
  return names;
}

}  // namespace coord::tls
