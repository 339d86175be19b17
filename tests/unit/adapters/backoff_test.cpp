#include "allocation/adapters/backoff.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stop_token>
#include <vector>

namespace allocation::adapters {
namespace {

using namespace std::chrono_literals;

// Waiting with a stop already requested takes no time, yet chooses and doubles the pause as a
// full wait would: the pauses can be read without sleeping through them.
std::vector<std::chrono::milliseconds> pauses(Backoff& backoff, int count) {
  std::stop_source stopped;
  stopped.request_stop();
  std::vector<std::chrono::milliseconds> chosen;
  for (int i = 0; i < count; ++i) {
    chosen.push_back(backoff.next());
    EXPECT_FALSE(backoff.wait(stopped.get_token()));
  }
  return chosen;
}

TEST(Backoff, StartsWithTheFirstPauseAndDoublesItAfterEachWait) {
  Backoff backoff(100ms, 100'000ms);
  EXPECT_EQ(pauses(backoff, 5), (std::vector{100ms, 200ms, 400ms, 800ms, 1600ms}));
}

TEST(Backoff, NeverPausesLongerThanTheCap) {
  Backoff backoff(100ms, 5000ms);
  EXPECT_EQ(pauses(backoff, 9),
            (std::vector{100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms, 5000ms, 5000ms, 5000ms}));
}

TEST(Backoff, ACapThatIsNotADoublingOfTheFirstPauseIsReachedExactly) {
  Backoff backoff(300ms, 1000ms);
  EXPECT_EQ(pauses(backoff, 4), (std::vector{300ms, 600ms, 1000ms, 1000ms}));
}

TEST(Backoff, ASuccessStartsAgainFromTheFirstPause) {
  Backoff backoff(100ms, 5000ms);
  pauses(backoff, 8);
  ASSERT_EQ(backoff.next(), 5000ms);
  backoff.succeeded();
  EXPECT_EQ(pauses(backoff, 3), (std::vector{100ms, 200ms, 400ms}));
}

TEST(Backoff, AWaitCutShortByAStopStillCountsAsAnAttempt) {
  Backoff backoff(100ms, 5000ms);
  std::stop_source stop;
  auto waiting = std::async(std::launch::async, [&] { return backoff.wait(stop.get_token()); });
  stop.request_stop();
  EXPECT_FALSE(waiting.get());
  EXPECT_EQ(backoff.next(), 200ms);
}

TEST(SleepUnlessStopped, AnHourLongSleepEndsAsSoonAsAStopIsRequested) {
  std::stop_source stop;
  std::promise<void> started;
  auto sleeping = std::async(std::launch::async, [&] {
    started.set_value();
    return sleep_unless_stopped(stop.get_token(), std::chrono::hours(1));
  });
  started.get_future().wait();
  stop.request_stop();
  // Waits for the stop to be seen, not for time to pass: a sleep that ignored the stop would
  // hold this test for an hour (ctest's timeout fails it first).
  EXPECT_FALSE(sleeping.get());
}

TEST(SleepUnlessStopped, ReturnsFalseAtOnceWhenAlreadyStopped) {
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(sleep_unless_stopped(stop.get_token(), std::chrono::hours(1)));
}

TEST(SleepUnlessStopped, ReturnsTrueWhenTheTimeRanOutWithoutAStop) {
  std::stop_source stop;
  EXPECT_TRUE(sleep_unless_stopped(stop.get_token(), 0ms));
  EXPECT_TRUE(sleep_unless_stopped(std::stop_token(), 0ms));  // a token that can never stop
}

}  // namespace
}  // namespace allocation::adapters
