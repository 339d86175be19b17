#include "allocation/adapters/log_notifications.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>

namespace allocation::adapters {
namespace {

// What the default logger writes while the test runs: the messages only, one per line.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    sink->set_pattern("%v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", std::move(sink)));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(LogNotifications, SaysASubjectThatIsAlsoTheBodyOnce) {
  LogCapture log;
  LogNotifications().send("Out of stock for LAMP", "Out of stock for LAMP");
  EXPECT_EQ(log.text(), "notification: Out of stock for LAMP\n");
}

TEST(LogNotifications, GivesTheBodyAfterASubjectOfItsOwn) {
  LogCapture log;
  LogNotifications().send("Out of stock", "LAMP has no batch left");
  EXPECT_EQ(log.text(), "notification: Out of stock: LAMP has no batch left\n");
}

}  // namespace
}  // namespace allocation::adapters
