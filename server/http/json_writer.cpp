#include "server/http/json_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace coord::http {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";

// 1 for ASCII bytes Go's encoder copies unchanged with HTML escaping on.
constexpr std::array<bool, 128> make_safe_table() {
  std::array<bool, 128> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = true;
  t['"'] = t['\\'] = t['<'] = t['>'] = t['&'] = false;
  return t;
}
constexpr std::array<bool, 128> kSafe = make_safe_table();

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or 0 when it is invalid
// (Go's utf8.DecodeRuneInString returning RuneError with width 1). Rejects overlong forms,
// surrogates and code points above U+10FFFF, as Go does.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k, unsigned lo, unsigned hi) {
    return i + k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  const unsigned c0 = b(0);
  if (c0 >= 0xC2 && c0 <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    unsigned lo = 0x80, hi = 0xBF;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;  // no surrogates
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    unsigned lo = 0x80, hi = 0xBF;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// The first i' >= i such that s[i'] needs a look (i.e. is not copied as is): a byte >= 0x80,
// below 0x20, or one of `"` `\` `<` `>` `&`; s.size() when there is none. Values are mostly
// plain text, so this is the hot loop of every answer: 16 bytes per step with SSE2 (part of
// x86-64, no runtime check needed), where the signed compare "< 0x20" also catches every byte
// >= 0x80 (negative as int8). Exact: never skips a byte that needs a look.
std::size_t skip_plain(std::string_view s, std::size_t i) {
  const std::size_t n = s.size();
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i lt = _mm_set1_epi8('<');
  const __m128i gt = _mm_set1_epi8('>');
  const __m128i amp = _mm_set1_epi8('&');
  while (i + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i bad = _mm_cmplt_epi8(v, space);
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, quote));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, backslash));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, lt));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, gt));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, amp));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(bad));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
    i += 16;
  }
#endif
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || !kSafe[c]) return i;
    ++i;
  }
  return n;
}

void append_escaped_ascii(std::string& out, unsigned char c) {
  out.push_back('\\');
  switch (c) {
    case '"': case '\\': out.push_back(static_cast<char>(c)); return;
    case '\n': out.push_back('n'); return;
    case '\r': out.push_back('r'); return;
    case '\t': out.push_back('t'); return;
    default:
      out.append("u00");
      out.push_back(kHexLower[c >> 4]);
      out.push_back(kHexLower[c & 0xF]);
  }
}

// Shortest round-trip decimal digits of a finite |v|: digits "d1d2...dn" and the position of
// the decimal point (value = 0.d1d2...dn × 10^dp), as Go's strconv keeps them. Zero gives n = 0.
struct Digits {
  char d[32];
  int n = 0;
  int dp = 0;
};

Digits shortest_digits(double v) {
  Digits g;
  if (v == 0) return g;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t e = s.find('e');
  for (std::size_t i = 0; i < e; ++i)
    if (s[i] != '.') g.d[g.n++] = s[i];
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  g.dp = exp + 1;
  return g;
}

// Go's fmtF: %f with `prec` fraction digits taken from g.
void format_f(std::string& out, const Digits& g, int prec) {
  if (g.dp > 0) {
    for (int i = 0; i < g.dp; ++i) out.push_back(i < g.n ? g.d[i] : '0');
  } else {
    out.push_back('0');
  }
  if (prec <= 0) return;
  out.push_back('.');
  for (int i = 1; i <= prec; ++i) {
    const int j = g.dp + i - 1;
    out.push_back(j >= 0 && j < g.n ? g.d[j] : '0');
  }
}

// Go's fmtE with all shortest digits: d.ddde±XX (at least two exponent digits).
void format_e(std::string& out, const Digits& g) {
  out.push_back(g.n == 0 ? '0' : g.d[0]);
  if (g.n > 1) {
    out.push_back('.');
    out.append(g.d + 1, static_cast<std::size_t>(g.n - 1));
  }
  out.push_back('e');
  int exp = g.n == 0 ? 0 : g.dp - 1;
  out.push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) out.push_back('0');
  append_uint(out, static_cast<std::uint64_t>(exp));
}

// Go's fmtFrac: writes ".ddd" of v / 10^prec without trailing zeros; returns v / 10^prec.
std::uint64_t append_fraction(std::string& out, std::uint64_t v, int prec) {
  char buf[16];
  int n = 0;
  bool printed = false;
  for (int i = 0; i < prec; ++i) {
    const auto digit = static_cast<char>('0' + v % 10);
    printed = printed || digit != '0';
    if (printed) buf[n++] = digit;
    v /= 10;
  }
  if (printed) {
    out.push_back('.');
    while (n > 0) out.push_back(buf[--n]);
  }
  return v;
}

void append_two_digits(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.append(1, '"');
  // Invariant: s[start, i) is copied as is, in one append when a byte needing a look (or the
  // end) is reached.
  std::size_t start = 0;
  std::size_t i = 0;
  while ((i = skip_plain(s, i)) < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {  // not kSafe: skip_plain stops at no other ASCII byte
      out.append(s.data() + start, i - start);
      append_escaped_ascii(out, c);
      start = ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out.append(s.data() + start, i - start);
      out.append("\\ufffd");
      start = ++i;
      continue;
    }
    // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
    if (len == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
      out.append(s.data() + start, i - start);
      out.append(s[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
      start = i += 3;
      continue;
    }
    i += len;
  }
  out.append(s.data() + start, s.size() - start);
  out.append(1, '"');
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_hex_id(std::string& out, std::uint64_t id) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, id, 16);
  out.append(buf, r.ptr);
}

void append_rfc3339_nano(std::string& out, UnixNanos t) {
  // Floor division so that times before 1970 keep a fraction in [0, 1 s).
  std::int64_t secs = t / kNanosPerSecond;
  std::int64_t frac = t % kNanosPerSecond;
  if (frac < 0) { frac += kNanosPerSecond; --secs; }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) { sod += 86400; --days; }

  // Civil date from days since 1970-01-01 (proleptic Gregorian, eras of 400 years).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                    // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                  // March = 0
  const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  // Year: four digits, zero-padded (int64 nanoseconds only reach 1677..2262).
  char ybuf[8];
  auto r = std::to_chars(ybuf, ybuf + sizeof ybuf, year);
  for (auto n = r.ptr - ybuf; n < 4; ++n) out.push_back('0');
  out.append(ybuf, r.ptr);
  out.push_back('-');
  append_two_digits(out, month);
  out.push_back('-');
  append_two_digits(out, day);
  out.push_back('T');
  append_two_digits(out, static_cast<unsigned>(sod / 3600));
  out.push_back(':');
  append_two_digits(out, static_cast<unsigned>(sod / 60 % 60));
  out.push_back(':');
  append_two_digits(out, static_cast<unsigned>(sod % 60));
  append_fraction(out, static_cast<std::uint64_t>(frac), 9);
  out.push_back('Z');
}

std::string rfc3339_nano(UnixNanos t) {
  std::string s;
  append_rfc3339_nano(s, t);
  return s;
}

void append_json_float(std::string& out, double v) {
  if (!std::isfinite(v)) v = 0;
  if (std::signbit(v)) out.push_back('-');
  const Digits g = shortest_digits(v);
  const double a = std::fabs(v);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    const std::size_t at = out.size();
    format_e(out, g);
    // Go cleans "e-07" to "e-7" (negative exponents only).
    const std::size_t n = out.size();
    if (n - at >= 4 && out[n - 4] == 'e' && out[n - 3] == '-' && out[n - 2] == '0') {
      out[n - 2] = out[n - 1];
      out.pop_back();
    }
    return;
  }
  format_f(out, g, std::max(g.n - g.dp, 0));
}

void append_go_float_g(std::string& out, double v) {
  if (std::isnan(v)) { out.append("NaN"); return; }
  if (std::isinf(v)) { out.append(v > 0 ? "+Inf" : "-Inf"); return; }
  if (std::signbit(v)) out.push_back('-');
  const Digits g = shortest_digits(v);
  // Shortest 'g': exponent form when exp < -4 || exp >= 6 (Go uses eprec = 6 here).
  const int exp = g.dp - 1;
  if (g.n != 0 && (exp < -4 || exp >= 6)) {
    format_e(out, g);
    return;
  }
  format_f(out, g, std::max(g.n - g.dp, 0));
}

void append_go_duration(std::string& out, std::int64_t nanos) {
  if (nanos == 0) { out.append("0s"); return; }
  // Unsigned negation so that INT64_MIN works.
  std::uint64_t u = static_cast<std::uint64_t>(nanos);
  if (nanos < 0) {
    out.push_back('-');
    u = ~u + 1;
  }
  constexpr std::uint64_t kSecond = 1'000'000'000;
  if (u < kSecond) {
    // Below a second Go switches to the largest unit that keeps an integer part.
    int prec = 0;
    const char* unit = "ns";
    if (u >= 1'000'000) { prec = 6; unit = "ms"; }
    else if (u >= 1'000) { prec = 3; unit = "\xC2\xB5s"; }  // "µs", U+00B5
    std::string frac;
    const std::uint64_t whole = append_fraction(frac, u, prec);
    append_uint(out, whole);
    out.append(frac);
    out.append(unit);
    return;
  }
  std::string frac;
  std::uint64_t s = append_fraction(frac, u, 9);
  const std::uint64_t sec = s % 60;
  s /= 60;
  if (s > 0) {
    const std::uint64_t min = s % 60;
    s /= 60;
    if (s > 0) {
      append_uint(out, s);
      out.push_back('h');
    }
    append_uint(out, min);
    out.push_back('m');
  }
  append_uint(out, sec);
  out.append(frac);
  out.push_back('s');
}

std::string go_duration(std::int64_t nanos) {
  std::string s;
  append_go_duration(s, nanos);
  return s;
}

}  // namespace coord::http
