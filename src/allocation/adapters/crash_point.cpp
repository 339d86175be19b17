#include "allocation/adapters/crash_point.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <string>

namespace allocation::adapters {

void crash_point(std::string_view name) {
  // Read once: the environment is not written after the process starts.
  static const std::string chosen = [] {
    const char* value = std::getenv("ALLOCATION_CRASH_AT");
    return std::string(value ? value : "");
  }();
  if (chosen.empty() || chosen != name) return;
  spdlog::critical("crash point {}: killing this process (ALLOCATION_CRASH_AT)", name);
  spdlog::default_logger()->flush();  // the line may be in another thread's write
  std::raise(SIGKILL);
}

}  // namespace allocation::adapters
