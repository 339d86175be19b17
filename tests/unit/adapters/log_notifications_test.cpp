#include "allocation/adapters/log_notifications.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>

namespace allocation::adapters {
namespace {

TEST(LogNotifications, WritesSubjectAndBodyToTheLogAsAWarning) {
  const auto previous = spdlog::default_logger();
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  sink->set_pattern("%l %v");
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  LogNotifications().send("Out of stock for LAMP", "No batch of LAMP has any left.");

  spdlog::set_default_logger(previous);
  EXPECT_EQ(log.str(),
            "warning notification: Out of stock for LAMP: No batch of LAMP has any left.\n");
}

}  // namespace
}  // namespace allocation::adapters
