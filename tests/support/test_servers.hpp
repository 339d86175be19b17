#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

// Skips the test when the environment variable naming a test server (set by
// tools/run-tests.sh) is missing; fails it instead when ALLOCATION_REQUIRE_SERVERS is set, as
// `make test` does, so that CI never passes by skipping.
#define SKIP_UNLESS_SERVER(variable)                                                      \
  do {                                                                                    \
    if (!std::getenv(variable)) {                                                         \
      if (std::getenv("ALLOCATION_REQUIRE_SERVERS")) FAIL() << variable << " is not set"; \
      GTEST_SKIP() << variable << " is not set";                                          \
    }                                                                                     \
  } while (false)
