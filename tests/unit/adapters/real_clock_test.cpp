#include "allocation/adapters/real_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace allocation::adapters {
namespace {

using namespace std::chrono_literals;

// The one test that lets real time pass, as little as can be measured: the real clock is the
// only adapter that sleeps.
TEST(RealClock, SleepsAtLeastTheLengthAskedFor) {
  RealClock clock;
  const auto start = std::chrono::steady_clock::now();
  clock.sleep_for(1ms);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1ms);
}

TEST(RealClock, AZeroOrNegativeLengthReturns) {
  RealClock clock;
  clock.sleep_for(0us);
  clock.sleep_for(-1us);
}

}  // namespace
}  // namespace allocation::adapters
