// The table is written only by configure(), which runs before coordd starts any thread, so hit()
// reads it without a lock; `any_configured` is stored last and its relaxed load is enough
// because thread creation orders the table's writes before every reader.
#include "server/common/failpoint.hpp"
#include "server/common/log.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <unistd.h>

namespace coord::failpoint {

namespace detail {
std::atomic<bool> any_configured{false};
}  // namespace detail

namespace {

constexpr std::size_t kPoints = static_cast<std::size_t>(Point::kCount);

constexpr std::array<std::string_view, kPoints> kNames = {
    "wal_before_save",  "wal_after_save",    "fdatasync",        "before_send",              "snap_before_save",
    "snap_after_save",  "snap_before_apply", "snap_after_apply", "conf_before_apply",        "snap_send_midway",
};

// Points whose operation has no way to fail: the call site ignores hit()'s answer, so `error`
// there would configure a fault that never happens.
bool can_fail(std::size_t index) { return index != static_cast<std::size_t>(Point::kConfBeforeApply); }

Table g_table;
std::array<std::atomic<std::uint64_t>, kPoints> g_hits{};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<Action> parse_action(std::string_view point, std::string_view text) {
  Action action;
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument("failpoint " + std::string(point) + ": " + why);
  };
  if (auto at = text.find('@'); at != std::string_view::npos) {
    if (!parse_number(text.substr(at + 1), action.skip))
      return bad("skip count \"" + std::string(text.substr(at + 1)) + "\" is not a number");
    text = text.substr(0, at);
  }
  if (text == "crash") {
    action.kind = ActionKind::kCrash;
  } else if (text == "error") {
    action.kind = ActionKind::kError;
  } else if (text.starts_with("stall:")) {
    action.kind = ActionKind::kStall;
    if (!parse_number(text.substr(6), action.stall_ms) || action.stall_ms == 0)
      return bad("stall needs a positive number of milliseconds, got \"" + std::string(text.substr(6)) + "\"");
  } else {
    return bad("unknown action \"" + std::string(text) + "\" (crash, error or stall:MS)");
  }
  return action;
}

}  // namespace

std::string_view name(Point point) { return kNames[static_cast<std::size_t>(point)]; }

Result<Table> parse(std::string_view spec) {
  Table table;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string_view entry = trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) {
      if (comma == spec.size()) break;
      continue;
    }
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos)
      return Status::invalid_argument("failpoint entry \"" + std::string(entry) + "\" is not point=action");
    const std::string_view point = trim(entry.substr(0, eq));
    std::size_t index = kPoints;
    for (std::size_t i = 0; i < kPoints; ++i)
      if (kNames[i] == point) index = i;
    if (index == kPoints) {
      std::string known;
      for (auto n : kNames) known += (known.empty() ? "" : ", ") + std::string(n);
      return Status::invalid_argument("unknown failpoint \"" + std::string(point) + "\" (known: " + known + ")");
    }
    if (table[index].kind != ActionKind::kOff)
      return Status::invalid_argument("failpoint " + std::string(point) + " is named twice");
    auto action = parse_action(point, trim(entry.substr(eq + 1)));
    if (!action) return action.status();
    if (action->kind == ActionKind::kError && !can_fail(index))
      return Status::invalid_argument("failpoint " + std::string(point) + " cannot fail: use crash or stall:MS");
    table[index] = *action;
  }
  return table;
}

void configure(const Table& table) {
  g_table = table;
  bool any = false;
  for (std::size_t i = 0; i < kPoints; ++i) {
    g_hits[i].store(0, std::memory_order_relaxed);
    any = any || table[i].kind != ActionKind::kOff;
  }
  detail::any_configured.store(any, std::memory_order_release);
}

Status configure_from_environment() {
  const char* spec = std::getenv("COORD_FAILPOINTS");
  auto table = parse(spec == nullptr ? "" : spec);
  if (!table) return Status::invalid_argument("COORD_FAILPOINTS: " + table.status().message());
  configure(*table);
  return Status::ok();
}

Status injected_error(Point point) {
  return Status::io_error("failpoint " + std::string(name(point)) + ": injected error");
}

namespace detail {

bool fire(Point point) {
  const auto i = static_cast<std::size_t>(point);
  const Action& action = g_table[i];
  if (action.kind == ActionKind::kOff) return false;
  if (g_hits[i].fetch_add(1, std::memory_order_relaxed) < action.skip) return false;
  char line[128];
  switch (action.kind) {
    case ActionKind::kCrash: {
      // write(2), not stdio: nothing buffered may leave the process after the "power cut".
      const int n = std::snprintf(line, sizeof line, "coordd: failpoint %s: crash\n", kNames[i].data());
      [[maybe_unused]] auto ignored = ::write(2, line, static_cast<std::size_t>(n));
      ::_exit(86);
    }
    case ActionKind::kError:
      COORD_LOG_WARN("failpoint " + std::string(kNames[i]) + ": error");
      return true;
    case ActionKind::kStall:
      COORD_LOG_WARN("failpoint " + std::string(kNames[i]) + ": stall " + std::to_string(action.stall_ms) + " ms");
      std::this_thread::sleep_for(std::chrono::milliseconds(action.stall_ms));
      return false;
    case ActionKind::kOff:
      break;
  }
  return false;
}

}  // namespace detail

}  // namespace coord::failpoint
