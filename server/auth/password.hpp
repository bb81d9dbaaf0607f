// Password hashing for v2 auth users: bcrypt (cost 10, etcd's bcrypt.DefaultCost) through the
// platform's crypt library (libxcrypt crypt_r with a "$2b$" setting from crypt_gensalt_rn).
// Hashing is deliberately slow (~50-100 ms): call it on the member that receives the request,
// never inside apply. Passwords are never logged or kept. Thread-safe (crypt_r and
// crypt_gensalt_rn use only caller-owned buffers).
#pragma once

#include <string>
#include <string_view>

#include "server/common/status.hpp"

namespace coord::auth {

inline constexpr int kBcryptCost = 10;

// A fresh salted hash of `password` ("$2b$10$<salt><hash>"). kInvalidArgument for a password
// with a NUL byte (crypt(3) would silently cut it there); kInternal if the library fails.
Result<std::string> hash_password(std::string_view password);
// True when `password` hashes to `hash` (a crypt(3) string); false for any malformed hash.
bool verify_password(std::string_view password, std::string_view hash);

}  // namespace coord::auth
