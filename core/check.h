// core/check.h: CITYWATCH_CHECK for broken invariants (bugs), never for bad input.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CITYWATCH_CHECK(cond)                                                                    \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "citywatch: check failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)
