#pragma once

#include <array>
#include <string_view>

namespace allocation::entrypoints {

// A file of the operator console (http/console/), built into the binary: the console needs no
// network access beyond the service itself.
struct ConsoleAsset {
  std::string_view path;  // where GET serves it
  std::string_view content_type;
  std::string_view body;
};

extern const std::array<ConsoleAsset, 3> kConsoleAssets;

}  // namespace allocation::entrypoints
