// SHA-256 (FIPS 180-4, computed by OpenSSL), for keying the cache of verified credentials by a digest of the
// presented password rather than the password itself. Pure function; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace coord::auth {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

}  // namespace coord::auth
