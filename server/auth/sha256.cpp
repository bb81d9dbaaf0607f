#include "server/auth/sha256.hpp"

#include <openssl/sha.h>

namespace coord::auth {

// OpenSSL's one-shot SHA256 (libcrypto, already linked for TLS): no digest code of our own.
Sha256Digest sha256(std::string_view data) {
  Sha256Digest digest{};
  ::SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

}  // namespace coord::auth
