// Low-level pieces for writing JSON (and a few Go text formats) straight into a std::string,
// byte for byte as Go's encoding/json, time and strconv packages write them. The http layer
// builds every etcd body from these, without an intermediate DOM: bodies are small and hot.
// Pure functions on caller-owned buffers; safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/common/clock.hpp"

namespace coord::http {

// Appends `s` as a quoted JSON string exactly as Go's json.Encoder does (HTML escaping on):
// `"` `\` → \" \\; \n \r \t; other bytes below 0x20 and `<` `>` `&` → \u00XX (lowercase hex);
// U+2028/U+2029 → \u2028/\u2029; each byte of invalid UTF-8 → \ufffd; everything else raw.
void append_json_string(std::string& out, std::string_view s);

// Decimal integers, as Go prints them.
void append_uint(std::string& out, std::uint64_t v);
void append_int(std::string& out, std::int64_t v);

// Lowercase hex with no leading zeros (etcd's types.ID.String(), member and cluster ids).
void append_hex_id(std::string& out, std::uint64_t id);

// Go time.RFC3339Nano in UTC, without quotes: "2026-11-21T20:56:12.59155833Z". The fraction
// keeps at most 9 digits with trailing zeros dropped, and disappears when it is zero. Pure
// arithmetic (no time library, no local zone). Works for every int64 (years 1677..2262).
void append_rfc3339_nano(std::string& out, UnixNanos t);
std::string rfc3339_nano(UnixNanos t);

// A float64 as Go's encoding/json writes it: shortest round-trip digits, plain notation for
// 1e-6 <= |v| < 1e21, otherwise exponent notation with "e-7" (not "e-07") and "e+21".
// NaN and infinities (which Go refuses to encode) are written as 0.
void append_json_float(std::string& out, double v);

// A float64 as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it (Prometheus text format):
// "1161", "0.5", "1.7e+09", "1e-05", "+Inf", "-Inf", "NaN".
void append_go_float_g(std::string& out, double v);

// A duration as Go's time.Duration.String(): "0s", "1.5µs", "12m21.700154637s", "1h0m0s".
void append_go_duration(std::string& out, std::int64_t nanos);
std::string go_duration(std::int64_t nanos);

}  // namespace coord::http
