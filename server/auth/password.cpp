#include "server/auth/password.hpp"

#include <crypt.h>

#include <cstring>
#include <memory>

namespace coord::auth {
namespace {

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// crypt_r's work area is ~32 KiB: on the heap, zeroed as the library requires.
std::unique_ptr<crypt_data> new_crypt_data() {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  return data;
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  if (has_nul(password)) return Status::invalid_argument("password contains a NUL byte");
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  // nullptr random bytes: the library draws them from the OS (getentropy).
  if (crypt_gensalt_rn("$2b$", kBcryptCost, nullptr, 0, setting, sizeof setting) == nullptr)
    return Status::internal("crypt_gensalt_rn failed");
  auto data = new_crypt_data();
  const std::string clear(password);
  const char* out = crypt_r(clear.c_str(), setting, data.get());
  if (out == nullptr || out[0] == '*') return Status::internal("crypt_r failed");
  return std::string(out);
}

bool verify_password(std::string_view password, std::string_view hash) {
  if (has_nul(password) || has_nul(hash) || hash.size() < 4 || hash[0] != '$') return false;
  auto data = new_crypt_data();
  const std::string clear(password), setting(hash);
  const char* out = crypt_r(clear.c_str(), setting.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;
  const std::size_t n = std::strlen(out);
  if (n != hash.size()) return false;
  // Constant time in the hash length: no early exit on the first differing byte.
  unsigned char diff = 0;
  for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(out[i] ^ hash[i]);
  return diff == 0;
}

}  // namespace coord::auth
