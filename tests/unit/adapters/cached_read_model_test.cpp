#include "allocation/adapters/cached_read_model.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "allocation/adapters/in_memory/in_memory_read_model.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::service_layer {
void PrintTo(const AllocationRow& row, std::ostream* out) {
  *out << row.sku << "@" << row.batchref;
}
}  // namespace allocation::service_layer

namespace allocation::adapters {
namespace {

using service_layer::AllocationRow;
using Rows = std::vector<AllocationRow>;
using namespace std::chrono_literals;

// The database's view, as far as the cache can tell: rows in memory, a count of the reads that
// reached it, and something to do in the middle of the next one.
class Source final : public service_layer::ReadModel {
 public:
  InMemoryReadModel rows;
  std::atomic<int> reads = 0;
  std::function<void()> during_next_read;
  std::chrono::microseconds pause{0};  // after reading: as long as a round trip takes

  Rows allocations(std::string_view orderid) override {
    ++reads;
    Rows answer = rows.allocations(orderid);
    if (pause.count()) std::this_thread::sleep_for(pause);
    if (during_next_read) std::exchange(during_next_read, nullptr)();
    return answer;
  }
};

class CachedReadModelTest : public ::testing::Test {
 protected:
  std::shared_ptr<Source> source = std::make_shared<Source>();
  std::chrono::steady_clock::time_point now{};
  CachedReadModel cache{source, ReadCacheOptions{.ttl = 1000ms, .capacity = 100},
                        [this] { return now; }};

  // A change made by this process: the view first (the commit), then the bus's handler.
  void allocate(const std::string& orderid, const std::string& sku, const std::string& batch) {
    source->rows.add(orderid, sku, batch);
    cache.add(orderid, sku, batch);
  }
};

TEST_F(CachedReadModelTest, AnOrderReadTwiceAsksTheSourceOnce) {
  source->rows.add("o1", "LAMP", "wh");
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}}));
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}}));
  EXPECT_EQ(source->reads, 1);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST_F(CachedReadModelTest, ThisProcesssChangesAreSeenByTheNextRead) {
  allocate("o1", "LAMP", "wh");
  ASSERT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}}));
  allocate("o1", "DESK", "wh");
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}, {"DESK", "wh"}}));

  source->rows.remove("o1", "LAMP", "wh");
  cache.remove("o1", "LAMP", "wh");
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"DESK", "wh"}}));
  EXPECT_EQ(source->reads, 3);
}

TEST_F(CachedReadModelTest, AChangeToOneOrderKeepsTheOthers) {
  allocate("o1", "LAMP", "wh");
  allocate("o2", "LAMP", "wh");
  cache.allocations("o1");
  cache.allocations("o2");
  allocate("o2", "DESK", "wh");
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}}));
  EXPECT_EQ(source->reads, 2);
}

TEST_F(CachedReadModelTest, AnotherProcesssChangeIsSeenOnceTheAnswerIsAsOldAsTheTtl) {
  source->rows.add("o1", "LAMP", "wh");
  cache.allocations("o1");
  source->rows.remove("o1", "LAMP", "wh");  // not told: another process's change
  source->rows.add("o1", "LAMP", "ship");
  now += 999ms;
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}}));
  now += 1ms;
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "ship"}}));
  EXPECT_EQ(source->reads, 2);
}

TEST_F(CachedReadModelTest, AnOrderWithoutAllocationsIsNeverKept) {
  EXPECT_EQ(cache.allocations("o1"), Rows{});
  source->rows.add("o1", "LAMP", "wh");  // another process's allocation
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}}));
}

// The read got its answer from the source before the change committed, and came back after the
// change was told: what it read may predate the change, so it is not kept.
TEST_F(CachedReadModelTest, AReadOverlappingAChangeDoesNotKeepItsAnswer) {
  source->rows.add("o1", "LAMP", "wh");
  source->during_next_read = [&] {
    source->rows.remove("o1", "LAMP", "wh");
    source->rows.add("o1", "LAMP", "ship");
    cache.remove("o1", "LAMP", "wh");
    cache.add("o1", "LAMP", "ship");
  };
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "wh"}}));
  EXPECT_EQ(cache.allocations("o1"), (Rows{{"LAMP", "ship"}}));
  EXPECT_EQ(source->reads, 2);
}

TEST_F(CachedReadModelTest, TheLeastRecentlyReadOrderMakesRoomFirst) {
  CachedReadModel small(source, ReadCacheOptions{.ttl = 1000ms, .capacity = 2, .shards = 1},
                        [this] { return now; });
  for (const char* orderid : {"a", "b", "c"}) source->rows.add(orderid, "LAMP", "wh");
  small.allocations("a");
  small.allocations("b");
  small.allocations("a");
  small.allocations("c");  // b goes
  EXPECT_EQ(source->reads, 3);
  small.allocations("a");
  small.allocations("c");
  EXPECT_EQ(source->reads, 3);
  small.allocations("b");
  EXPECT_EQ(source->reads, 4);
}

TEST_F(CachedReadModelTest, TheSourcesErrorReachesTheReaderAndNothingIsKept) {
  class Down final : public service_layer::ReadModel {
   public:
    Rows allocations(std::string_view) override {
      throw service_layer::Unavailable("database unreachable");
    }
  };
  CachedReadModel over_down(std::make_shared<Down>(), ReadCacheOptions{});
  EXPECT_THROW(over_down.allocations("o1"), service_layer::Unavailable);
  EXPECT_THROW(over_down.allocations("o1"), service_layer::Unavailable);
  EXPECT_EQ(over_down.misses(), 2u);
}

TEST_F(CachedReadModelTest, NoRoomOrNoShardIsRefused) {
  EXPECT_THROW(CachedReadModel(source, ReadCacheOptions{.capacity = 0}), std::invalid_argument);
  EXPECT_THROW(CachedReadModel(source, ReadCacheOptions{.shards = 0}), std::invalid_argument);
}

// prefix + n, appended: GCC 12's -Wrestrict misfires on "o" + std::to_string(n) in a Release
// build (-Werror).
std::string numbered(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

// Readers fill the cache with every order while a writer changes them one by one: right after
// each change is told, the writer's own read shows it, whatever the readers kept meanwhile.
TEST(CachedReadModelThreads, AReadAfterAChangeIsToldNeverShowsTheOlderAnswer) {
  auto source = std::make_shared<Source>();
  source->pause = 20us;
  CachedReadModel cache(source, ReadCacheOptions{.ttl = 3600s, .capacity = 1000, .shards = 4});
  constexpr int kOrders = 8, kChanges = 2000;
  for (int o = 0; o < kOrders; ++o) source->rows.add(numbered("o", o), "SKU", "b0");

  std::atomic<bool> done = false;
  std::vector<std::jthread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      for (int i = r; !done; ++i) cache.allocations(numbered("o", i % kOrders));
    });
  }
  int stale = 0;
  for (int change = 1; change <= kChanges; ++change) {
    const std::string orderid = numbered("o", change % kOrders);
    const std::string batch = numbered("b", change);
    // The order's batch before: from its last change, or the first.
    const std::string before = change > kOrders ? numbered("b", change - kOrders) : "b0";
    source->rows.remove(orderid, "SKU", before);
    source->rows.add(orderid, "SKU", batch);
    cache.remove(orderid, "SKU", before);
    cache.add(orderid, "SKU", batch);
    if (cache.allocations(orderid) != Rows{{"SKU", batch}}) ++stale;
  }
  done = true;
  readers.clear();
  EXPECT_EQ(stale, 0);
  EXPECT_GT(cache.hits(), 0u);
}

}  // namespace
}  // namespace allocation::adapters
