// URL handling of the client API, exactly as etcd's Go server does it: splitting and
// percent-decoding the request target (url.ParseRequestURI), Go's path.Clean and ServeMux
// "301 to the clean path" rule, and request parameters from the query string and an
// application/x-www-form-urlencoded body (Request.ParseForm). See etcd 3.4's v2 API (210).
// Pure functions and a plain value type; safe to use from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/store/v2_error.hpp"

namespace coord::http {

// ------------------------------------------------------------------ request target

// A request target split the way Go's url.ParseRequestURI splits it.
struct RequestTarget {
  std::string path;        // percent-decoded path: "/v2/keys/a b/✓"; "*" for "OPTIONS *"
  std::string raw_query;   // the bytes after the first '?', not decoded
  bool has_query = false;  // a '?' was present (a redirect keeps it even when the query is empty)
};

// Parses the target of a request line: origin form ("/path?query"), "*", or absolute form
// ("http://host/path?query", whose path is used). Returns nullopt where Go's server answers
// a plain-text "400 Bad Request" before any handler runs (no CORS, no etcd headers,
// Connection: close): a bad percent escape in the path such as "/v2/keys/%zz", a control byte,
// or a target that is none of the forms above. Query escapes are not checked here (they give
// etcd error 210 later, see parse_form).
std::optional<RequestTarget> parse_request_target(std::string_view target);

// ------------------------------------------------------------------ percent-decoding

// Go url.PathUnescape: "%XX" decoded ("%2F" too), "+" kept. Returns false on a bad escape.
bool path_unescape(std::string_view in, std::string& out);

// Go url.QueryUnescape: "%XX" decoded and "+" turned into a space. On a bad escape returns
// false and, when `error` is given, sets it to Go's text: `invalid URL escape "%zz"`.
bool query_unescape(std::string_view in, std::string& out, std::string* error = nullptr);

// Go's url escaping of a path (url.URL{Path: p}.String()): keeps letters, digits, "-_.~" and
// "$&+,/:;=@"; everything else becomes %XX with uppercase hex (a space is "%20").
std::string escape_path(std::string_view path);

// ------------------------------------------------------------------ path cleaning

// Go path.Clean: the shortest equivalent path ("//" → "/", "/./" → "/", "/a/../" → "/",
// trailing slash dropped, "" → "."). Purely lexical.
std::string path_clean(std::string_view p);

// Go ServeMux's cleanPath: path_clean of p (made rooted) with a trailing slash kept.
std::string mux_clean_path(std::string_view p);

// The 301 that Go's ServeMux sends for a path that is not clean (etcd 3.4's v2 API).
struct Redirect {
  std::string location;   // Location header value: escaped clean path, then "?" + raw query
  std::string html_body;  // body for GET only: `<a href="...">Moved Permanently</a>.` "\n\n"
                          // (GET and HEAD also get Content-Type: text/html; charset=utf-8;
                          // other methods get an empty body and no Content-Type)
};

// Returns the redirect when target.path is not clean ("//", "/./", "/../", also when these
// came from escapes such as "%2E%2E"), or nullopt when the request should be routed.
// "*" is never redirected.
std::optional<Redirect> redirect_for(const RequestTarget& target);

// ------------------------------------------------------------------ parameters

// Request parameters in Go's url.Values order: every body value first, then every query
// value, each in the order it was written. Lookups take the first value of a name, which is
// how the body wins over the query and the first of repeated parameters wins.
// Linear search: requests carry a handful of parameters.
class FormValues {
 public:
  void add(std::string name, std::string value);
  // True when `name` was given at all (even with an empty value).
  bool has(std::string_view name) const;
  // The first value of `name`, or nullptr when absent.
  const std::string* first(std::string_view name) const;
  // The first value of `name`, or "" when absent (Go's Request.FormValue).
  std::string_view value(std::string_view name) const;
  // Moves the first value of `name` out (leaving "" in its place), or "" when absent: a large
  // value goes on without a copy.
  std::string take_first(std::string_view name);
  std::size_t size() const { return entries_.size(); }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Go url.ParseQuery appending to `out`: "&"-separated, names and values query-unescaped,
// empty segments skipped. Like Go, a bad segment is skipped and parsing goes on; returns the
// text of the first error ("" when none): `invalid URL escape "%zz"`, or
// "invalid semicolon separator in query" for a segment holding ';'.
std::string parse_query_into(std::string_view query, FormValues& out);

// Go's largest urlencoded body that Request.ParseForm reads (10 MiB).
inline constexpr std::size_t kMaxFormBodyBytes = 10u << 20;

// Request.ParseForm as etcd's keys handler calls it. The body is read only for POST, PUT and
// PATCH and only when the media type of `content_type` (an empty string means the header is
// absent) is application/x-www-form-urlencoded; parameters after ';' do not matter unless they
// are malformed. Body values are added first, then query values. On failure returns etcd
// error 210 "Invalid POST form" with Go's error text as cause and index 0; the body's error
// wins over the query's.
std::optional<store::V2Error> parse_form(std::string_view method, std::string_view content_type,
                                         std::string_view body, std::string_view raw_query,
                                         FormValues& out);

// The media type of a Content-Type value as Go's mime.ParseMediaType gives it: lowercased and
// trimmed, parameters checked. On a malformed value returns false and sets `error` to Go's
// text ("mime: no media type", "mime: invalid media parameter", ...); `type` is still set when
// only a parameter was bad (Go returns the type with that error).
bool parse_media_type(std::string_view content_type, std::string& type, std::string& error);

}  // namespace coord::http
