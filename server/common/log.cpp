#include "server/common/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

namespace coord::log {
namespace {

struct Sink {
  int fd = -1;
  bool owned = false;  // a file this logger opened (closed when replaced)
};

// The level is read without the lock on every COORD_LOG_*; the rest only under g_mu.
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mu;
Format g_format = Format::kCapnslog;      // guarded by g_mu
std::array<Sink, kMaxOutputs> g_sinks{};  // guarded by g_mu
std::size_t g_sink_count = 0;             // guarded by g_mu; 0 before configure(): stderr

// A line being formatted into a fixed buffer. The last kReserve bytes are kept for what closes
// the line (a JSON string's quote, the brace, the newline), so a cut line still parses.
// Invariant: len_ <= cap_ + kReserve <= sizeof buf_.
class Line {
 public:
  static constexpr std::size_t kReserve = 8;

  // Appends all of `s` or nothing (then the line is full and later appends are dropped).
  bool put(std::string_view s) {
    if (full_ || len_ + s.size() > kCap) {
      full_ = true;
      return false;
    }
    std::memcpy(buf_ + len_, s.data(), s.size());
    len_ += s.size();
    return true;
  }
  bool put(char c) { return put(std::string_view(&c, 1)); }
  // For the closing bytes only: uses the reserve.
  void close(std::string_view s) {
    const std::size_t n = std::min(s.size(), sizeof buf_ - len_);
    std::memcpy(buf_ + len_, s.data(), n);
    len_ += n;
  }
  bool full() const { return full_; }
  std::size_t size() const { return len_; }
  void truncate(std::size_t len) { len_ = len; }
  std::string_view view() const { return {buf_, len_}; }

 private:
  static constexpr std::size_t kCap = kMaxLine - kReserve;
  char buf_[kMaxLine];
  std::size_t len_ = 0;
  bool full_ = false;
};

// Length of the valid UTF-8 sequence at s[0] (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0 when it is not one.
std::size_t utf8_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (b(i) < 0x80 || b(i) > 0xbf) return 0;
  return n;
}

// A JSON string body: quotes, backslashes and control characters escaped, invalid UTF-8 as
// U+FFFD (as zap does), cut at a character boundary when the line is full.
void put_json_text(Line& line, std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && !line.full()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      const char esc[2] = {'\\', static_cast<char>(c)};
      if (line.put(std::string_view(esc, 2))) ++i;
    } else if (c < 0x20 || c == 0x7f) {
      char esc[8];
      const char* named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : nullptr;
      if (named == nullptr) std::snprintf(esc, sizeof esc, "\\u%04x", c);
      if (line.put(named != nullptr ? std::string_view(named) : std::string_view(esc))) ++i;
    } else {
      const std::size_t n = utf8_length(s.substr(i));
      if (n == 0) {
        if (line.put("\\ufffd")) ++i;
      } else if (line.put(s.substr(i, n))) {
        i += n;
      }
    }
  }
}

// Text for the capnslog layout: one line whatever the value holds (control characters escaped).
void put_plain_text(Line& line, std::string_view s) {
  for (std::size_t i = 0; i < s.size() && !line.full(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != 0x7f) {
      line.put(static_cast<char>(c));
      continue;
    }
    char esc[8];
    const char* named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : nullptr;
    if (named == nullptr) std::snprintf(esc, sizeof esc, "\\x%02x", c);
    line.put(named != nullptr ? std::string_view(named) : std::string_view(esc));
  }
}

// Go's time.Duration.String(): "0s", "850ns", "807.997µs", "120ms", "1.5s", "2m3.5s" is written
// as seconds here ("123.5s"), which Go's ParseDuration reads the same.
std::string_view go_duration(std::int64_t ns, char (&buf)[48]) {
  if (ns == 0) return "0s";
  const bool negative = ns < 0;
  const std::uint64_t v = negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  std::uint64_t scale = 1;
  const char* unit = "ns";
  if (v >= 1'000'000'000) scale = 1'000'000'000, unit = "s";
  else if (v >= 1'000'000) scale = 1'000'000, unit = "ms";
  else if (v >= 1'000) scale = 1'000, unit = "µs";
  char frac[16] = "";
  if (scale > 1 && v % scale != 0) {
    int digits = scale == 1'000 ? 3 : scale == 1'000'000 ? 6 : 9;
    std::snprintf(frac, sizeof frac, ".%0*llu", digits, static_cast<unsigned long long>(v % scale));
    for (std::size_t n = std::strlen(frac); n > 1 && frac[n - 1] == '0'; --n) frac[n - 1] = '\0';
  }
  const int n = std::snprintf(buf, sizeof buf, "%s%llu%s%s", negative ? "-" : "",
                              static_cast<unsigned long long>(v / scale), frac, unit);
  return {buf, static_cast<std::size_t>(n)};
}

// A field's value as text, or empty with *quoted false for numbers and booleans.
std::string_view value_text(const Field& f, char (&buf)[48], bool* quoted) {
  *quoted = false;
  switch (f.kind) {
    case Field::Kind::kText:
      *quoted = true;
      return f.text;
    case Field::Kind::kSigned: return {buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, f.i).ptr - buf)};
    case Field::Kind::kUnsigned: return {buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, f.u).ptr - buf)};
    case Field::Kind::kDouble: {
      // JSON has no NaN or infinity: zap writes them as strings, and so does this.
      const int n = std::snprintf(buf, sizeof buf, "%.17g", f.d);
      *quoted = !(f.d == f.d) || f.d - f.d != 0;
      return {buf, static_cast<std::size_t>(n)};
    }
    case Field::Kind::kBool: return f.u != 0 ? "true" : "false";
    case Field::Kind::kId: {
      *quoted = true;
      const int n = std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(f.u));
      return {buf, static_cast<std::size_t>(n)};
    }
    case Field::Kind::kDuration: *quoted = true; return go_duration(f.i, buf);
  }
  return {};
}

// "dir/file.cpp" of a __FILE__ path, as zap's short caller encoder names the call site.
std::string_view short_caller(const char* file) {
  std::string_view path(file);
  const auto last = path.rfind('/');
  if (last == std::string_view::npos || last == 0) return path;
  const auto before = path.rfind('/', last - 1);
  return before == std::string_view::npos ? path : path.substr(before + 1);
}

void format_zap(Line& line, Level level, const char* file, int at, std::string_view message,
                std::initializer_list<Field> fields, const std::tm& t, long nanos) {
  char head[160];
  std::snprintf(head, sizeof head, "{\"level\":\"%s\",\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"caller\":\"",
                level_name(level).data(), t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                nanos / 1'000'000);
  line.put(head);
  put_json_text(line, short_caller(file));
  char number[16];
  line.put(std::string_view(number, static_cast<std::size_t>(std::snprintf(number, sizeof number, ":%d", at))));
  line.put("\",\"msg\":\"");
  put_json_text(line, message);
  line.close("\"");
  for (const Field& f : fields) {
    if (line.full()) break;
    const std::size_t start = line.size();
    line.put(",\"");
    put_json_text(line, f.key);
    if (!line.put("\":")) {
      line.truncate(start);  // a key without its value would not parse
      break;
    }
    char buf[48];
    bool quoted = false;
    const std::string_view v = value_text(f, buf, &quoted);
    if (quoted) {
      if (!line.put('"')) {
        line.truncate(start);
        break;
      }
      put_json_text(line, v);
      line.close("\"");
    } else if (!line.put(v)) {
      line.truncate(start);
    }
  }
  line.close("}\n");
}

void format_capnslog(Line& line, Level level, std::string_view message, std::initializer_list<Field> fields,
                     const std::tm& t, long nanos) {
  char head[96];
  std::snprintf(head, sizeof head, "%04d-%02d-%02d %02d:%02d:%02d.%06ld %c | coordd: ", t.tm_year + 1900, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, nanos / 1000, level_letter(level));
  line.put(head);
  put_plain_text(line, message);
  for (const Field& f : fields) {
    line.put(", ");
    put_plain_text(line, f.key);
    line.put(": ");
    char buf[48];
    bool quoted = false;
    put_plain_text(line, value_text(f, buf, &quoted));
  }
  line.close("\n");
}

// Writes all of `data` to fd, through short writes and signals.
void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log line is not worth failing (or blocking) the server for
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kFatal: return "fatal";
  }
  return "info";
}

char level_letter(Level level) {
  switch (level) {
    case Level::kDebug: return 'D';
    case Level::kInfo: return 'I';
    case Level::kWarn: return 'W';
    case Level::kError: return 'E';
    case Level::kFatal: return 'C';  // capnslog's CRITICAL
  }
  return 'I';
}

Status configure(const Options& options) {
  if (options.outputs.size() > kMaxOutputs)
    return Status::invalid_argument("at most " + std::to_string(kMaxOutputs) + " log outputs are supported");
  std::array<Sink, kMaxOutputs> sinks{};
  std::size_t count = 0;
  for (const auto& out : options.outputs) {
    Sink s;
    if (out == "default" || out == "stderr") {
      s.fd = 2;
    } else if (out == "stdout") {
      s.fd = 1;
    } else {
      s.fd = ::open(out.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
      s.owned = true;
      if (s.fd < 0) {
        std::string why = std::strerror(errno);
        if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
        for (std::size_t i = 0; i < count; ++i)
          if (sinks[i].owned) ::close(sinks[i].fd);
        return Status::invalid_argument("open sink \"" + out + "\": open " + out + ": " + why);
      }
    }
    sinks[count++] = s;
  }
  std::lock_guard lock(g_mu);
  for (std::size_t i = 0; i < g_sink_count; ++i)
    if (g_sinks[i].owned) ::close(g_sinks[i].fd);
  g_sinks = sinks;
  g_sink_count = count;
  g_format = options.format;
  g_level.store(static_cast<int>(options.level), std::memory_order_relaxed);
  return Status::ok();
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void write(Level level, const char* file, int at, std::string_view message, std::initializer_list<Field> fields) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::tm t{};
  ::gmtime_r(&now.tv_sec, &t);
  Line line;
  std::unique_lock lock(g_mu);
  const Format format = g_format;
  lock.unlock();  // formatting needs no lock: only the writes must not interleave
  if (format == Format::kZap) format_zap(line, level, file, at, message, fields, t, now.tv_nsec);
  else format_capnslog(line, level, message, fields, t, now.tv_nsec);
  lock.lock();
  if (g_sink_count == 0) write_all(2, line.view());
  for (std::size_t i = 0; i < g_sink_count; ++i) write_all(g_sinks[i].fd, line.view());
}

}  // namespace coord::log
