#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/in_memory/scripted_random.hpp"

namespace allocation::adapters {
namespace {

using namespace std::chrono_literals;
using Range = ScriptedRandom::Range;

TEST(ScriptedRandom, AnswersItsScriptInOrderThenTheLowEndAndKeepsTheRangesAsked) {
  ScriptedRandom random({3, 10});
  EXPECT_EQ(random.uniform(0, 5), 3);
  EXPECT_EQ(random.uniform(10, 20), 10);
  EXPECT_EQ(random.uniform(4, 9), 4) << "the script is used up";
  EXPECT_EQ(random.asked(), (std::vector<Range>{{0, 5}, {10, 20}, {4, 9}}));
}

TEST(ScriptedRandom, AScriptedNumberOutsideTheRangeAskedIsAnError) {
  ScriptedRandom random({201, -1});
  EXPECT_THROW(random.uniform(0, 200), std::out_of_range);
  EXPECT_THROW(random.uniform(0, 200), std::out_of_range);
}

TEST(RecordingClock, KeepsEachLengthInOrderWithoutSleeping) {
  RecordingClock clock;
  const auto start = std::chrono::steady_clock::now();
  clock.sleep_for(std::chrono::hours(1));
  clock.sleep_for(5us);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(clock.slept(), (std::vector<std::chrono::microseconds>{1h, 5us}));
}

}  // namespace
}  // namespace allocation::adapters
