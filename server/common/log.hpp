// The server's logger: the only way coordd prints while it runs. One line per event, with a UTC
// timestamp, a level and a message plus structured fields, in one of etcd 3.4's two layouts:
//
//   capnslog (the default, etcd 3.4's): human text
//     2026-12-06 15:00:00.123456 I | coordd: became leader, member-id: 8e9e05c52164694d, term: 2
//   zap: one JSON object per line, the fields etcd's zap logger writes first, then the event's
//     {"level":"info","ts":"2026-12-06T15:00:00.123Z","caller":"node/node_core.cpp:451",
//      "msg":"became leader","member-id":"8e9e05c52164694d","term":2}
//
// Levels are zap's (debug, info, warn, error, fatal); capnslog writes them as D, I, W, E, C.
// Outputs: stderr ("default" or "stderr"), stdout, or files opened for appending.
//
// Cost: COORD_LOG_* first compare the level with one relaxed atomic load; an event below the
// level formats nothing (its arguments are not even evaluated). A line is formatted into a
// fixed buffer on the caller's stack (kMaxLine bytes: longer lines are cut, JSON lines stay
// valid), never on the heap.
//
// Thread-safety: write() and the macros are safe from any thread; each line reaches each output
// in one write(2) under a mutex, so lines never interleave. configure() is safe too, but meant
// for main before the server starts (and tests between cases).
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "server/common/status.hpp"

namespace coord::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kFatal = 4 };
enum class Format { kCapnslog, kZap };

// The longest line written, newline included; longer ones are cut at a character boundary.
inline constexpr std::size_t kMaxLine = 8192;
// At most this many outputs (--log-outputs).
inline constexpr std::size_t kMaxOutputs = 8;

// One structured field of an event. Borrows its key and text: valid for the call that logs it
// (temporaries in the macro's argument list live long enough).
struct Field {
  enum class Kind : std::uint8_t { kText, kSigned, kUnsigned, kDouble, kBool, kId, kDuration };

  Field(std::string_view k, std::string_view v) : key(k), kind(Kind::kText), text(v) {}
  Field(std::string_view k, const char* v) : key(k), kind(Kind::kText), text(v) {}
  Field(std::string_view k, const std::string& v) : key(k), kind(Kind::kText), text(v) {}
  Field(std::string_view k, bool v) : key(k), kind(Kind::kBool), u(v ? 1 : 0) {}
  Field(std::string_view k, double v) : key(k), kind(Kind::kDouble), d(v) {}
  template <typename T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
  Field(std::string_view k, T v) : key(k) {
    if constexpr (std::is_signed_v<T>) {
      kind = Kind::kSigned;
      i = static_cast<std::int64_t>(v);
    } else {
      kind = Kind::kUnsigned;
      u = static_cast<std::uint64_t>(v);
    }
  }

  std::string_view key;
  Kind kind = Kind::kText;
  std::string_view text;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;
};

// A member or cluster id, written as etcd writes ids: 16 lowercase hex digits, as a string.
inline Field id(std::string_view key, std::uint64_t value) {
  Field f(key, value);
  f.kind = Field::Kind::kId;
  return f;
}

// A duration, written as Go prints one (zap's default): "1.5s", "120ms", "807.997µs".
inline Field duration(std::string_view key, std::chrono::nanoseconds value) {
  Field f(key, static_cast<std::int64_t>(value.count()));
  f.kind = Field::Kind::kDuration;
  return f;
}

struct Options {
  Format format = Format::kCapnslog;
  Level level = Level::kInfo;
  // "default" or "stderr" (fd 2), "stdout" (fd 1), anything else a file path opened for
  // appending (created with mode 0666 minus the umask, as etcd does).
  std::vector<std::string> outputs{"default"};
};

// Replaces the logger's settings. Opens every file first: on an error (etcd's words: "open sink
// ...") nothing changes. Files of the previous settings are closed.
Status configure(const Options& options);

// Whether an event at `level` is written now. One relaxed atomic load.
bool enabled(Level level);

// Formats one event and writes it to every output. `file` and `line` are the call site's
// (__FILE__, __LINE__): the zap layout names it as "dir/file.cpp:line".
void write(Level level, const char* file, int line, std::string_view message, std::initializer_list<Field> fields);

// The level's name as --log-level spells it ("debug" ...), and its capnslog letter ('D' ...).
std::string_view level_name(Level level);
char level_letter(Level level);

}  // namespace coord::log

// COORD_LOG_INFO("message", coord::log::Field("key", value), ...): the fields are optional.
// Nothing after the level check runs when the level is off.
#define COORD_LOG(level, message, ...)                                                              \
  do {                                                                                               \
    if (::coord::log::enabled(level))                                                                \
      ::coord::log::write(level, __FILE__, __LINE__, message, {__VA_ARGS__});                        \
  } while (0)
#define COORD_LOG_DEBUG(message, ...) COORD_LOG(::coord::log::Level::kDebug, message __VA_OPT__(, ) __VA_ARGS__)
#define COORD_LOG_INFO(message, ...) COORD_LOG(::coord::log::Level::kInfo, message __VA_OPT__(, ) __VA_ARGS__)
#define COORD_LOG_WARN(message, ...) COORD_LOG(::coord::log::Level::kWarn, message __VA_OPT__(, ) __VA_ARGS__)
#define COORD_LOG_ERROR(message, ...) COORD_LOG(::coord::log::Level::kError, message __VA_OPT__(, ) __VA_ARGS__)
#define COORD_LOG_FATAL(message, ...) COORD_LOG(::coord::log::Level::kFatal, message __VA_OPT__(, ) __VA_ARGS__)
