// Reply: one complete HTTP answer a handler hands to its session, and the headers etcd puts on
// every answer. A plain value; built on any thread, moved to the session's strand.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coord::http {

inline constexpr const char* kJson = "application/json";
inline constexpr const char* kText = "text/plain; charset=utf-8";

struct Reply {
  int status = 200;
  std::string content_type;                                  // left out when empty
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, in order
  // More extra headers, already formatted ("Name: value\r\n" each) and sent after `headers`:
  // a handler that adds several fixed headers to every answer fills one string instead of a
  // vector of string pairs (see add_header_line).
  std::string header_lines;
  bool head_only = false;  // HEAD: send Content-Length of `body` but not the body itself
  bool close = false;      // close the connection after this answer
  bool bare = false;       // no CORS headers (answers Go's HTTP layer gives before any handler)

  Reply& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Appends "name: value\r\n" to reply.header_lines.
inline void add_header_line(Reply& reply, std::string_view name, std::string_view value) {
  reply.header_lines += name;
  reply.header_lines += ": ";
  reply.header_lines += value;
  reply.header_lines += "\r\n";
}

// 404 as Go's ServeMux answers it (through http.Error, which adds nosniff).
inline Reply not_found_reply() {
  Reply r{404, kText, "404 page not found\n", {}};
  r.header("X-Content-Type-Options", "nosniff");
  return r;
}
// 405 with the Allow header etcd sends (none when `allow` is empty), and http.Error's nosniff.
inline Reply method_not_allowed_reply(std::string allow) {
  Reply r{405, kText, "Method Not Allowed\n", {}};
  if (!allow.empty()) r.header("Allow", std::move(allow));
  r.header("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace coord::http
