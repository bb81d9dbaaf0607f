// Reply: one complete HTTP answer a handler hands to its session, and the headers etcd puts on
// every answer. A plain value; built on any thread, moved to the session's strand.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace coord::http {

inline constexpr const char* kJson = "application/json";
inline constexpr const char* kText = "text/plain; charset=utf-8";

// Room for the extra headers of nearly every answer without an allocation: a keys answer's
// four (X-Etcd-Cluster-Id, X-Etcd-Index, X-Raft-Index, X-Raft-Term) take at most 150 bytes.
inline constexpr std::size_t kInlineHeaderBytes = 176;
using HeaderText = boost::container::small_vector<char, kInlineHeaderBytes>;

struct Reply {
  int status = 200;
  // Left out when empty. Invariant: static text (every content type coordd sends is a literal),
  // so a reply carries it without an allocation of its own.
  std::string_view content_type;
  std::string body;
  // Extra headers, in order, already formatted ("Name: value\r\n" each, by header()), which the
  // session appends to the head as they are.
  HeaderText headers;
  bool head_only = false;  // HEAD: send Content-Length of `body` but not the body itself
  bool close = false;      // close the connection after this answer
  bool bare = false;       // no CORS headers (answers Go's HTTP layer gives before any handler)

  Reply& header(std::string_view name, std::string_view value);
  // The value of the first extra header called `name` (exact case), if any.
  std::optional<std::string_view> header_value(std::string_view name) const;
};

// Appends "name: value\r\n" to a head being formatted (a std::string) or to Reply::headers.
template <class Text>
void append_header_line(Text& out, std::string_view name, std::string_view value) {
  for (std::string_view piece : {name, std::string_view(": "), value, std::string_view("\r\n")}) {
    if constexpr (std::is_same_v<Text, std::string>)
      out.append(piece);
    else
      out.insert(out.end(), piece.begin(), piece.end());
  }
}

inline Reply& Reply::header(std::string_view name, std::string_view value) {
  append_header_line(headers, name, value);
  return *this;
}

inline std::optional<std::string_view> Reply::header_value(std::string_view name) const {
  std::string_view rest(headers.data(), headers.size());
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    if (line.size() > name.size() + 1 && line.substr(0, name.size()) == name && line.substr(name.size(), 2) == ": ")
      return line.substr(name.size() + 2);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 2);
  }
  return std::nullopt;
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
