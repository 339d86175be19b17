#include "allocation/domain/allocation_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "support/batch_dates.hpp"

namespace allocation::domain {
namespace {

Batch on_hand(const char* ref, const char* warehouse = "main",
              std::optional<Date> expires = std::nullopt) {
  return Batch(ref, "LAMP", 10, std::nullopt, {.warehouse = warehouse, .expires = expires});
}
Batch incoming(const char* ref, Date eta, const char* warehouse = "main",
               std::optional<Date> expires = std::nullopt) {
  return Batch(ref, "LAMP", 10, eta, {.warehouse = warehouse, .expires = expires});
}

// The references of `batches` sorted by the order, ties kept in the order given (added).
std::vector<std::string> sorted(std::vector<Batch> batches, const AllocationOrder& order) {
  std::stable_sort(batches.begin(), batches.end(),
                   [&](const Batch& a, const Batch& b) { return order.before(a, b); });
  std::vector<std::string> refs;
  for (const Batch& batch : batches) refs.push_back(batch.reference());
  return refs;
}

const WarehousePriorities kNoPriorities;

TEST(AllocationOrder, WithOneWarehouseAndNoExpiryIsPartOnesRule) {
  const AllocationOrder order(kNoPriorities, kToday);
  EXPECT_EQ(sorted({incoming("slow", kLater), incoming("speedy", kToday), on_hand("stock-1"),
                    incoming("speedy-too", kToday), on_hand("stock-2")},
                   order),
            (std::vector<std::string>{"stock-1", "stock-2", "speedy", "speedy-too", "slow"}));
  // Alike in every key: neither comes first, the order added decides.
  EXPECT_FALSE(order.before(on_hand("a"), on_hand("b")));
  EXPECT_FALSE(order.before(on_hand("b"), on_hand("a")));
}

TEST(AllocationOrder, OnHandComesBeforeIncomingWhateverTheirWarehouses) {
  const WarehousePriorities priorities({{"far", 500}, {"near", 1}});
  const AllocationOrder order(priorities, kToday);
  EXPECT_TRUE(order.before(on_hand("far-stock", "far"), incoming("near-ship", kToday, "near")));
}

TEST(AllocationOrder, OnHandGoesByWarehousePriorityThenEarliestExpiryThenTheOrderAdded) {
  const WarehousePriorities priorities({{"east", 10}, {"west", 200}});
  const AllocationOrder order(priorities, kToday);
  // main has the default priority, 100: between east and west.
  EXPECT_EQ(sorted({on_hand("west-1", "west"), on_hand("main-keeps"),
                    on_hand("main-later", "main", kLater), on_hand("east-1", "east"),
                    on_hand("main-soon", "main", kTomorrow), on_hand("main-keeps-too")},
                   order),
            (std::vector<std::string>{"east-1", "main-soon", "main-later", "main-keeps",
                                      "main-keeps-too", "west-1"}));
}

TEST(AllocationOrder, PriorityOutranksExpiry) {
  const WarehousePriorities priorities({{"east", 1}});
  const AllocationOrder order(priorities, kToday);
  EXPECT_TRUE(order.before(on_hand("east-keeps", "east"), on_hand("main-soon", "main", kToday)));
}

TEST(AllocationOrder, IncomingGoesByEtaThenWarehousePriorityNotByExpiry) {
  const WarehousePriorities priorities({{"east", 1}});
  const AllocationOrder order(priorities, kToday);
  EXPECT_EQ(
      sorted({incoming("main-later", kLater), incoming("main-soon", kTomorrow, "main", kToday),
              incoming("east-later", kLater, "east"), incoming("main-keeps", kTomorrow)},
             order),
      (std::vector<std::string>{"main-soon", "main-keeps", "east-later", "main-later"}));
  // Same eta and warehouse: expiry decides nothing for incoming stock.
  EXPECT_FALSE(order.before(incoming("a", kTomorrow, "main", kToday), incoming("b", kTomorrow)));
  EXPECT_FALSE(order.before(incoming("b", kTomorrow), incoming("a", kTomorrow, "main", kToday)));
}

TEST(AllocationOrder, APreferredWarehousesBatchesComeFirstInTheOrderAbove) {
  const WarehousePriorities priorities({{"store", 300}});
  const AllocationOrder order(priorities, kToday, "store");
  EXPECT_EQ(sorted({on_hand("main-1"), incoming("store-ship", kTomorrow, "store"),
                    on_hand("store-1", "store")},
                   order),
            (std::vector<std::string>{"store-1", "store-ship", "main-1"}));
  // A warehouse no batch is in changes nothing.
  const AllocationOrder nowhere(priorities, kToday, "nowhere");
  EXPECT_EQ(sorted({incoming("store-ship", kTomorrow, "store"), on_hand("store-1", "store"),
                    on_hand("main-1")},
                   nowhere),
            (std::vector<std::string>{"main-1", "store-1", "store-ship"}));
  EXPECT_EQ(sorted({on_hand("main-1"), on_hand("store-1", "store")}, order.without_preference()),
            (std::vector<std::string>{"main-1", "store-1"}));
}

TEST(AllocationOrder, ABatchIsUsableUpToAndOnItsExpiryDate) {
  const AllocationOrder order(kNoPriorities, kToday);
  EXPECT_TRUE(order.usable(on_hand("keeps")));
  EXPECT_TRUE(order.usable(on_hand("today", "main", kToday)));
  EXPECT_TRUE(order.usable(on_hand("tomorrow", "main", kTomorrow)));
  EXPECT_FALSE(order.usable(on_hand("yesterday", "main", kYesterday)));
  EXPECT_FALSE(order.usable(incoming("arrives-spoiled", kLater, "main", kYesterday)));
}

TEST(AllocationOrder, TheDateOfAnInstantIsItsUtcDay) {
  const Instant midnight{std::chrono::sys_days{kToday}};
  EXPECT_EQ(date_of(midnight), kToday);
  EXPECT_EQ(date_of(midnight - std::chrono::milliseconds(1)), kYesterday);
  EXPECT_EQ(date_of(midnight + std::chrono::hours(24) - std::chrono::milliseconds(1)), kToday);
}

TEST(WarehousePriorities, AWarehouseNeverConfiguredHasTheDefault) {
  const WarehousePriorities priorities({{"east", -5}});
  EXPECT_EQ(priorities.of("east"), -5);
  EXPECT_EQ(priorities.of("west"), kDefaultWarehousePriority);
  EXPECT_EQ(kDefaultWarehousePriority, 100);
}

}  // namespace
}  // namespace allocation::domain
