#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
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

// now() stands still until set or moved on: a test passes a hold's expiry without waiting.
TEST(RecordingClock, AdvanceMovesNowOnFromAnyThread) {
  RecordingClock clock;
  const std::chrono::system_clock::time_point start =
      std::chrono::sys_days{std::chrono::year{2026} / 12 / 4};
  clock.set_now(start);
  clock.sleep_for(1h);
  EXPECT_EQ(clock.now(), start) << "sleeping does not move it";
  EXPECT_EQ(clock.advance(1500ms), start + 1500ms);
  EXPECT_EQ(clock.now(), start + 1500ms);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 1000; ++i) clock.advance(1ms);
      });
    }
  }
  EXPECT_EQ(clock.now(), start + 1500ms + 4s) << "no step lost";
}

}  // namespace
}  // namespace allocation::adapters
