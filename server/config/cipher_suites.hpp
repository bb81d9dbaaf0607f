// The TLS cipher suite names etcd's --cipher-suites accepts (Go's crypto/tls names) and their
// OpenSSL spellings. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace coord::config {

// The OpenSSL name of a TLS 1.2 suite given by its Go name; "" for a TLS 1.3 suite (Go accepts
// those names but, as OpenSSL, negotiates TLS 1.3 suites on its own); nullopt when Go does not
// know the name (etcd then refuses to start: "unexpected TLS cipher suite \"X\"").
std::optional<std::string> openssl_cipher_name(std::string_view go_name);

}  // namespace coord::config
