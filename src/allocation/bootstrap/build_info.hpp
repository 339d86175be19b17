#pragma once

#include <string_view>

namespace allocation::bootstrap {

// What this binary is: shown by `allocation --version`, GET /version and the metric
// allocation_build_info, so that an operator can tell which build answers.
struct BuildInfo {
  std::string_view version;     // the project's, from CMake
  std::string_view compiler;    // e.g. "GCC 12.2.0"
  std::string_view build_type;  // CMake's: Release, Debug, RelWithDebInfo...
};

BuildInfo build_info();

}  // namespace allocation::bootstrap
