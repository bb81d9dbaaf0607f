// Internal: the etcd v2 wire format on the client side — percent-encoding of keys and form
// bodies, and parsing of keys, error and members answers (see etcd 3.4's v2 API).
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coord/error.hpp"
#include "coord/transport.hpp"
#include "coord/types.hpp"

namespace coord::detail {

// "/a b/c" -> "/v2/keys/a%20b/c". A missing leading '/' is added.
std::string keys_target(std::string_view key);
// Percent-encodes everything except RFC 3986 unreserved characters (and '/' when keep_slash).
std::string percent_encode(std::string_view s, bool keep_slash);
// "a=1&b=x%20y" from name/value pairs.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);
// RFC 4648 base64, for the basic auth header.
std::string base64(std::string_view in);

// Parses a keys answer. Returns the Response for a 2xx with an etcd event body; throws
// coord::Error for an etcd error body and TransportError::kProtocol for anything else.
Response parse_keys_response(const HttpResponse& http);
// Parses an etcd error body if `http` carries one.
std::optional<Error> parse_error(const HttpResponse& http);
// {"members":[...]} or a single member object.
std::vector<Member> parse_members(std::string_view body);
Member parse_member(std::string_view body);
// The members API's {"message": "..."} error answer as a coord::Error with error_code 0.
Error members_error(const HttpResponse& http);

std::uint64_t header_u64(const HttpResponse& http, const std::string& name);

}  // namespace coord::detail
