// COORD_CHECK: invariants that hold in every build, release included (the project's style).
// A failed check is a bug or mid-log corruption: print where and why, then abort loudly.
#pragma once

namespace coord::detail {
[[noreturn]] void check_failed(const char* expr, const char* message, const char* file, int line);
}  // namespace coord::detail

#define COORD_CHECK(cond, message)                                            \
  do {                                                                        \
    if (!(cond)) ::coord::detail::check_failed(#cond, (message), __FILE__, __LINE__); \
  } while (0)
