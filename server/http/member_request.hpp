// The body of a members API POST or PUT (`{"peerURLs": ["http://..."]}`), checked the way etcd
// 3.4 checks it: the Content-Type must be application/json (415 otherwise), the body JSON (400),
// at least one peer URL (400 "no valid URLs given"), each a string with an http, https, unix or
// unixs scheme, a host:port address and no path (400). Kept apart from
// MembersHandler so the parsing can be tested and fuzzed without a running node.
// Pure function; safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace coord::http {

// Why a members request body was refused: the HTTP status and etcd's message.
struct MemberRequestError {
  int status = 400;
  std::string message;
};

// The peer URLs of the body (never empty; surrounding spaces trimmed), or the refusal.
std::variant<std::vector<std::string>, MemberRequestError> parse_member_peer_urls(std::string_view content_type,
                                                                                  std::string_view body);

}  // namespace coord::http
