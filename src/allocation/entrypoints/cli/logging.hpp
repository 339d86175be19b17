#pragma once

#include <spdlog/spdlog.h>

#include "allocation/adapters/logging/log_format.hpp"

namespace allocation::entrypoints {

// The process's log: to stderr (stdout carries the commands' own output), at `level`, one
// line per event, in `format`.
void set_up_logging(spdlog::level::level_enum level, adapters::logging::LogFormat format);

}  // namespace allocation::entrypoints
