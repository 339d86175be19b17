#include "allocation/adapters/crash_point.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

namespace allocation::adapters {
namespace {

// Each case runs in a process of its own, started afresh ("threadsafe" death tests re-run the
// binary), so the variable is read for the first time after it was set.
class CrashPoint : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(CrashPoint, KillsTheProcessWithSigkillAtThePointTheEnvironmentNames) {
  EXPECT_EXIT(
      {
        ::setenv("ALLOCATION_CRASH_AT", "consumer_applied", 1);
        crash_point("consumer_applied");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "");
}

TEST_F(CrashPoint, DoesNothingAtAnotherPoint) {
  EXPECT_EXIT(
      {
        ::setenv("ALLOCATION_CRASH_AT", "consumer_applied", 1);
        crash_point("outbox_confirmed");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(CrashPoint, DoesNothingWhenTheEnvironmentNamesNone) {
  EXPECT_EXIT(
      {
        ::unsetenv("ALLOCATION_CRASH_AT");
        crash_point("consumer_applied");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace allocation::adapters
