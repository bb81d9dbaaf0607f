#include "server/http/url.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace coord::http {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

void to_ascii_lower(std::string& s) {
  for (char& c : s) c = ascii_lower(c);
}

// Appends "%XY", the byte's two upper-case hex digits (Go's url escaping).
void append_percent_escape(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto b = static_cast<unsigned char>(c);
  out += '%';
  out += kHex[b >> 4];
  out += kHex[b & 0xF];
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's strconv.Quote for the (at most three) bytes of a bad escape: printable runes raw,
// `"` and `\` escaped, invalid UTF-8 bytes as \xNN, control characters as \a \b \f \n \r \t \v
// or \xNN, other unprintable runes as \uNNNN. Printability of two-byte runes is approximated
// (C1 controls, U+00A0 and U+00AD are unprintable; the rest of U+00A1..U+07FF printable).
std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const bool two = c >= 0xC2 && c <= 0xDF && i + 1 < s.size() &&
                       (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80;
      if (!two) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
        continue;
      }
      const unsigned rune = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      if (rune <= 0xA0 || rune == 0xAD) {
        out += "\\u00";
        out += kHex[rune >> 4];
        out += kHex[rune & 0xF];
      } else {
        out.append(s.substr(i, 2));
      }
      ++i;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

// The index of the first '%' (or '+' when it means a space) at or after `from`; in.size()
// when there is none. memchr scans a large form value (a 1 MB PUT) many bytes per step.
std::size_t next_escape(std::string_view in, std::size_t from, bool plus_is_space) {
  const std::size_t n = in.size() - from;
  const void* percent = n == 0 ? nullptr : std::memchr(in.data() + from, '%', n);
  std::size_t end = percent == nullptr ? in.size() : static_cast<std::size_t>(static_cast<const char*>(percent) - in.data());
  if (plus_is_space && end > from) {
    const void* plus = std::memchr(in.data() + from, '+', end - from);
    if (plus != nullptr) end = static_cast<std::size_t>(static_cast<const char*>(plus) - in.data());
  }
  return end;
}

// Shared by path and query unescaping (Go's unescape). On a bad escape `bad` receives the
// offending text: '%' plus at most two following bytes. Runs without escapes are copied in
// one append each (most names and values have none: one copy in all).
bool unescape(std::string_view in, bool plus_is_space, std::string& out, std::string_view* bad) {
  out.clear();
  out.reserve(in.size());
  std::size_t i = 0;
  while (true) {
    const std::size_t j = next_escape(in, i, plus_is_space);
    out.append(in.data() + i, j - i);
    if (j == in.size()) return true;
    if (in[j] == '+') {
      out.push_back(' ');
      i = j + 1;
      continue;
    }
    if (j + 2 >= in.size() || hex_value(in[j + 1]) < 0 || hex_value(in[j + 2]) < 0) {
      if (bad != nullptr) *bad = in.substr(j, 3);
      return false;
    }
    out.push_back(static_cast<char>(hex_value(in[j + 1]) * 16 + hex_value(in[j + 2])));
    i = j + 3;
  }
}

bool has_control_byte(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7F;
  });
}

// Go's htmlEscape, used in the redirect body.
std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Go's hexEscapeNonASCII, applied to the Location header.
std::string hex_escape_non_ascii(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x80) {
      out += c;
    } else {
      append_percent_escape(out, c);
    }
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------------ request target

std::optional<RequestTarget> parse_request_target(std::string_view target) {
  if (target.empty() || has_control_byte(target)) return std::nullopt;
  RequestTarget t;
  if (target == "*") {
    t.path = "*";
    return t;
  }
  std::string_view rest = target;
  if (rest.front() != '/') {
    // Absolute form: only http and https make sense for this server; the authority is skipped.
    std::size_t colon = rest.find("://");
    if (colon == std::string_view::npos) return std::nullopt;
    std::string scheme(rest.substr(0, colon));
    to_ascii_lower(scheme);
    if (scheme != "http" && scheme != "https") return std::nullopt;
    rest = rest.substr(colon + 3);
    const std::size_t path_start = rest.find_first_of("/?");
    rest = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  }
  const std::size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    t.has_query = true;
    t.raw_query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (!path_unescape(rest, t.path)) return std::nullopt;
  return t;
}

// ------------------------------------------------------------------ percent-decoding

bool path_unescape(std::string_view in, std::string& out) {
  return unescape(in, /*plus_is_space=*/false, out, nullptr);
}

bool query_unescape(std::string_view in, std::string& out, std::string* error) {
  std::string_view bad;
  if (unescape(in, /*plus_is_space=*/true, out, &bad)) return true;
  if (error != nullptr) *error = "invalid URL escape " + go_quote(bad);
  return false;
}

std::string escape_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (keep || std::string_view("-_.~$&+,/:;=@").find(c) != std::string_view::npos) {
      out += c;
    } else {
      append_percent_escape(out, c);
    }
  }
  return out;
}

// ------------------------------------------------------------------ path cleaning

namespace {

// True when path_clean(p) == p for a rooted p: no empty, "." or ".." element and no trailing
// slash (except the root itself). The common case for keys, checked without building a copy.
bool is_clean_rooted(std::string_view p) {
  if (p.empty() || p[0] != '/') return false;
  if (p.size() == 1) return true;
  std::size_t start = 1;
  while (true) {
    const std::size_t end = std::min(p.find('/', start), p.size());
    const std::string_view element = p.substr(start, end - start);
    if (element.empty() || element == "." || element == "..") return false;
    if (end == p.size()) return true;
    start = end + 1;
  }
}

}  // namespace

std::string path_clean(std::string_view p) {
  if (is_clean_rooted(p)) return std::string(p);
  if (p.empty()) return ".";
  const bool rooted = p[0] == '/';
  const std::size_t n = p.size();
  std::string out;
  out.reserve(n);
  std::size_t r = 0;
  std::size_t dotdot = 0;  // out[:dotdot] may not be backtracked over
  if (rooted) {
    out.push_back('/');
    r = dotdot = 1;
  }
  while (r < n) {
    if (p[r] == '/') {
      ++r;
    } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
      ++r;
    } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {
        // Drop the last element.
        std::size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) out.push_back('/');
        out += "..";
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out.push_back('/');
      for (; r < n && p[r] != '/'; ++r) out.push_back(p[r]);
    }
  }
  if (out.empty()) return ".";
  return out;
}

std::string mux_clean_path(std::string_view p) {
  if (p.empty()) return "/";
  std::string rooted;
  if (p[0] != '/') {
    rooted = "/";
    rooted += p;
    p = rooted;
  }
  std::string clean = path_clean(p);
  if (p.back() == '/' && clean != "/") clean += '/';
  return clean;
}

std::optional<Redirect> redirect_for(const RequestTarget& target) {
  if (target.path == "*") return std::nullopt;
  // Nearly every path is already clean: say so without building the cleaned copy. That is
  // mux_clean_path(p) == p: p is rooted and clean, or clean but for one trailing slash ("//"
  // is not: it cleans to "/").
  const std::string_view p = target.path;
  if (is_clean_rooted(p) || (p.size() > 2 && p.back() == '/' && is_clean_rooted(p.substr(0, p.size() - 1))))
    return std::nullopt;
  std::string clean = mux_clean_path(target.path);
  if (clean == target.path) return std::nullopt;
  std::string url = escape_path(clean);
  if (target.has_query) {
    url += '?';
    url += target.raw_query;
  }
  Redirect r;
  r.location = hex_escape_non_ascii(url);
  r.html_body = "<a href=\"" + html_escape(url) + "\">Moved Permanently</a>.\n\n";
  return r;
}

// ------------------------------------------------------------------ parameters

void FormValues::add(std::string name, std::string value) {
  if (entries_.capacity() == 0) entries_.reserve(8);  // one allocation for a typical request
  entries_.emplace_back(std::move(name), std::move(value));
}

bool FormValues::has(std::string_view name) const { return first(name) != nullptr; }

const std::string* FormValues::first(std::string_view name) const {
  for (const auto& [k, v] : entries_)
    if (k == name) return &v;
  return nullptr;
}

std::string FormValues::take_first(std::string_view name) {
  for (auto& [k, v] : entries_)
    if (k == name) return std::exchange(v, std::string());
  return {};
}

std::string_view FormValues::value(std::string_view name) const {
  const std::string* v = first(name);
  return v == nullptr ? std::string_view() : std::string_view(*v);
}

std::string parse_query_into(std::string_view query, FormValues& out) {
  std::string first_error;
  std::string name, value, error;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view segment = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (segment.find(';') != std::string_view::npos) {
      // Go overwrites any earlier error here (escape errors only fill an empty slot).
      first_error = "invalid semicolon separator in query";
      continue;
    }
    if (segment.empty()) continue;
    const std::size_t eq = segment.find('=');
    const std::string_view raw_name = segment.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
    if (!query_unescape(raw_name, name, &error) || !query_unescape(raw_value, value, &error)) {
      if (first_error.empty()) first_error = error;
      continue;
    }
    out.add(std::move(name), std::move(value));  // a large value is not copied again
  }
  return first_error;
}

namespace {

// Go mime's tspecials and token characters.
bool is_tspecial(char c) { return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos; }

bool is_token_char(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b > 0x20 && b < 0x7F && !is_tspecial(c);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view consume_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_token_char(s[n])) ++n;
  std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

// Go's consumeValue: a token or a quoted string. Returns false when nothing was consumed.
bool consume_value(std::string_view& s, std::string& value) {
  value.clear();
  if (s.empty() || s.front() != '"') {
    value = std::string(consume_token(s));
    return !value.empty();
  }
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      s.remove_prefix(i + 1);
      return true;
    }
    if (c == '\\' && i + 1 < s.size() && is_tspecial(s[i + 1])) {
      value += s[++i];
      continue;
    }
    if (c == '\r' || c == '\n') return false;
    value += c;
  }
  return false;  // no closing quote
}

// Go's checkMediaTypeDisposition.
bool check_media_type(std::string_view type, std::string& error) {
  std::string_view rest = type;
  if (consume_token(rest).empty()) { error = "mime: no media type"; return false; }
  if (rest.empty()) return true;
  if (rest.front() != '/') { error = "mime: expected slash after first token"; return false; }
  rest.remove_prefix(1);
  if (consume_token(rest).empty()) { error = "mime: expected token after slash"; return false; }
  if (!rest.empty()) { error = "mime: unexpected content after media subtype"; return false; }
  return true;
}

// Go's consumeMediaParam: `; name = value` at the start of v (already left-trimmed). On
// success advances v past it and returns the lowercased name and the value.
bool consume_media_param(std::string_view& v, std::string& name, std::string& value) {
  std::string_view p = v;
  if (p.empty() || p.front() != ';') return false;
  p = trim_left(p.substr(1));
  name = std::string(consume_token(p));
  to_ascii_lower(name);
  p = trim_left(p);
  if (name.empty() || p.empty() || p.front() != '=') return false;
  p = trim_left(p.substr(1));
  if (!consume_value(p, value)) return false;
  v = p;
  return true;
}

}  // namespace

bool parse_media_type(std::string_view content_type, std::string& type, std::string& error) {
  const std::size_t semi = content_type.find(';');
  std::string base(content_type.substr(0, semi));
  to_ascii_lower(base);
  std::string_view trimmed = trim_left(base);
  while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);
  type = std::string(trimmed);
  if (!check_media_type(type, error)) {
    type.clear();
    return false;
  }
  // Parameters: `; name = value` repeated; names compared lowercased, duplicates rejected.
  std::string_view v = semi == std::string_view::npos ? std::string_view() : content_type.substr(semi);
  std::vector<std::string> seen;
  std::string name, value;
  while (!(v = trim_left(v)).empty()) {
    if (!consume_media_param(v, name, value)) {
      // A lone trailing ";" is allowed.
      if (v.front() == ';' && trim_left(v.substr(1)).empty()) break;
      error = "mime: invalid media parameter";
      return false;
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      type.clear();
      error = "mime: duplicate parameter name";
      return false;
    }
    seen.push_back(name);
  }
  return true;
}

std::optional<store::V2Error> parse_form(std::string_view method, std::string_view content_type,
                                         std::string_view body, std::string_view raw_query,
                                         FormValues& out) {
  std::string error;
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    // No Content-Type means application/octet-stream: the body is not a form. A malformed
    // parameter still yields the type (and an error), as in Go.
    std::string type = "application/octet-stream";
    if (content_type == "application/x-www-form-urlencoded") {
      type = content_type;  // what curl and most clients send: nothing to check
    } else if (!trim_left(content_type).empty()) {
      parse_media_type(content_type, type, error);
    }
    if (type == "application/x-www-form-urlencoded") {
      if (body.size() > kMaxFormBodyBytes) {
        return store::V2Error{store::kEcodeInvalidForm, "http: POST too large", 0};
      }
      std::string body_error = parse_query_into(body, out);
      if (error.empty()) error = std::move(body_error);
    }
  }
  std::string query_error = parse_query_into(raw_query, out);
  if (error.empty()) error = std::move(query_error);
  if (error.empty()) return std::nullopt;
  return store::V2Error{store::kEcodeInvalidForm, std::move(error), 0};
}

}  // namespace coord::http
