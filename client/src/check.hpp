// Internal: COORD_CLIENT_CHECK(cond) — an always-on invariant check for the SDK (the server's
// COORD_CHECK lives under server/, which the SDK must not include). A broken invariant is a bug:
// it prints where and aborts, in release builds too.
#pragma once

#include <cstdio>
#include <cstdlib>

#define COORD_CLIENT_CHECK(cond)                                                                   \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "coord client: invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)
