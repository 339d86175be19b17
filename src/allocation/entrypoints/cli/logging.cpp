#include "allocation/entrypoints/cli/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

#include "allocation/adapters/logging/combining_sink.hpp"

namespace allocation::entrypoints {

void set_up_logging(spdlog::level::level_enum level, adapters::logging::LogFormat format) {
  // A person at a terminal gets spdlog's colours; a file, a pipe or a collector gets the lines
  // of many threads written together (CombiningSink), which keeps logging off the hot path.
  std::shared_ptr<spdlog::logger> logger;
  if (::isatty(STDERR_FILENO)) {
    logger = spdlog::stderr_color_mt("allocation");
  } else {
    logger = std::make_shared<spdlog::logger>(
        "allocation", std::make_shared<adapters::logging::CombiningSink>(
                          STDERR_FILENO, adapters::logging::log_formatter(format)));
  }
  logger->set_formatter(adapters::logging::log_formatter(format));
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(level);
}

}  // namespace allocation::entrypoints
