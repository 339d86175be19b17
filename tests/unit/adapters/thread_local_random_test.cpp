#include "allocation/adapters/thread_local_random.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <thread>
#include <vector>

namespace allocation::adapters {
namespace {

TEST(ThreadLocalRandom, DrawsEveryNumberOfTheRangeBothEndsIncludedAndNoOther) {
  ThreadLocalRandom random;
  std::set<std::int64_t> drawn;
  for (int i = 0; i < 2000; ++i) drawn.insert(random.uniform(0, 4));
  EXPECT_EQ(drawn, (std::set<std::int64_t>{0, 1, 2, 3, 4}));
}

TEST(ThreadLocalRandom, ARangeOfOneNumberGivesIt) {
  ThreadLocalRandom random;
  EXPECT_EQ(random.uniform(7, 7), 7);
  EXPECT_EQ(random.uniform(0, 0), 0);
}

// One object, many threads, no lock: each thread draws from an engine of its own (TSan checks
// that nothing is shared).
TEST(ThreadLocalRandom, ManyThreadsDrawFromOneObjectAtOnce) {
  ThreadLocalRandom random;
  std::vector<std::thread> threads;
  std::vector<int> in_range(4, 1);  // not vector<bool>: its bits share bytes
  for (std::size_t t = 0; t < in_range.size(); ++t) {
    threads.emplace_back([&random, &in_range, t] {
      for (int i = 0; i < 1000; ++i) {
        const auto n = random.uniform(0, 20'000);
        if (n < 0 || n > 20'000) in_range[t] = 0;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(in_range, std::vector<int>(in_range.size(), 1));
}

}  // namespace
}  // namespace allocation::adapters
