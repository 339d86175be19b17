// The product's allocation order with warehouses, priorities and expiry dates (SPEC §6).
#include <gtest/gtest.h>

#include "allocation/domain/errors.hpp"
#include "allocation/domain/product.hpp"
#include "support/domain_products.hpp"
#include "support/print_domain.hpp"
#include "support/test_time.hpp"

namespace allocation::domain {
namespace {

using std::chrono::day;
using std::chrono::December;
using std::chrono::year;

// The days around kTestNow's (kTestToday, support/test_time.hpp).
const Date kTestYesterday{year{2026}, December, day{3}};
const Date kTestNextWeek{year{2026}, December, day{11}};
const Date kTestNextMonth{year{2027}, std::chrono::January, day{4}};

Batch stock(const char* ref, int qty, const char* warehouse,
            std::optional<Date> expires = std::nullopt) {
  return Batch(ref, "LAMP", qty, std::nullopt, {.warehouse = warehouse, .expires = expires});
}

// A product of these batches, added in this order, as a repository loads it with the
// priorities of their warehouses.
Product lamp(std::vector<Batch> batches, WarehousePriorities priorities = {},
             ProductPolicy policy = {}) {
  return Product("LAMP", std::move(batches), 1,
                 ProductState{.policy = policy,
                              .out_of_stock = false,
                              .backorders = {},
                              .holds = {},
                              .released = {},
                              .priorities = std::move(priorities)});
}

TEST(ProductWarehouses, AllocatesFromTheWarehouseOfLowestPriorityFirst) {
  auto product = lamp({stock("main-1", 10, "main"), stock("east-1", 10, "east")},
                      WarehousePriorities({{"east", 5}}));
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), kTestNow), "east-1");
  // East cannot take the next line: the next warehouse can.
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 8), kTestNow), "main-1");
}

TEST(ProductWarehouses, AllocatesTheStockThatExpiresFirstFirst) {
  auto product = lamp({stock("keeps", 10, "main"), stock("month", 10, "main", kTestNextMonth),
                       stock("week", 10, "main", kTestNextWeek)});
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 10), kTestNow), "week");
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 10), kTestNow), "month");
  EXPECT_EQ(product.allocate(OrderLine("o3", "LAMP", 10), kTestNow), "keeps");
}

TEST(ProductWarehouses, NeverAllocatesFromABatchThatExpiredBeforeToday) {
  auto product =
      lamp({stock("spoiled", 10, "main", kTestYesterday), stock("today", 2, "main", kTestToday)});
  EXPECT_EQ(product.available_quantity(kTestNow), 2);
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 2), kTestNow), "today");
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 1), kTestNow), std::nullopt);
  EXPECT_EQ(product.events().back(), Event(events::OutOfStock{"LAMP"}));
  EXPECT_EQ(product.batch("spoiled")->available_quantity(), 10);  // on the shelf, never sold
  // The next day the batch that expired today is spoiled too.
  EXPECT_EQ(product.available_quantity(kTestNow + std::chrono::days(1)), 0);
}

TEST(ProductWarehouses, ClickAndCollectTakesThePreferredWarehousesStockFirst) {
  auto product = lamp({stock("main-1", 10, "main"), stock("store-1", 3, "store")},
                      WarehousePriorities({{"store", 900}}));
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 2), kTestNow, "store"), "store-1");
  // The store cannot take it: the line goes where it would without a preference.
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 2), kTestNow, "store"), "main-1");
  // A warehouse with no batches of the product is no error: it simply has none.
  EXPECT_EQ(product.allocate(OrderLine("o3", "LAMP", 1), kTestNow, "nowhere"), "main-1");
  // Without a preference the store's low priority keeps its stock last.
  EXPECT_EQ(product.allocate(OrderLine("o4", "LAMP", 1), kTestNow), "main-1");
}

// A preference belongs to its own line: lines that units freed on the way serve wait in the
// plain order.
TEST(ProductWarehouses, WaitingLinesServedDuringAClickAndCollectAllocationTakeThePlainOrder) {
  auto product = lamp({stock("main-1", 10, "main"), stock("store-1", 10, "store")},
                      WarehousePriorities({{"store", 200}}),
                      {.backorders = true, .low_stock_threshold = std::nullopt});
  product.reserve("cart-1", 10, std::chrono::minutes(1), kTestNow);  // main-1
  product.reserve("cart-2", 10, std::chrono::minutes(1), kTestNow);  // store-1
  EXPECT_EQ(product.allocate(OrderLine("waits", "LAMP", 3), kTestNow), std::nullopt);
  // Both holds have expired: the collect line ends them, which serves the waiting line first.
  const Instant later = kTestNow + std::chrono::minutes(2);
  EXPECT_EQ(product.allocate(OrderLine("collect", "LAMP", 1), later, "store"), "store-1");
  EXPECT_EQ(product.batch("main-1")->allocated_quantity(), 3) << "the waiting line's batch";
  EXPECT_EQ(product.batch("store-1")->allocated_quantity(), 1);
}

TEST(ProductWarehouses, HoldsTakeTheBatchTheAllocationOrderGives) {
  auto product = lamp({stock("spoiled", 10, "main", kTestYesterday), stock("main-1", 10, "main"),
                       stock("east-1", 10, "east")},
                      WarehousePriorities({{"east", 1}}));
  EXPECT_EQ(product.reserve("h1", 4, std::chrono::minutes(15), kTestNow).hold.batchref(), "east-1");
  EXPECT_THROW(product.reserve("h2", 11, std::chrono::minutes(15), kTestNow), NoStockToHold);
}

TEST(ProductWarehouses, WaitingLinesAreNotServedFromAnExpiredBatch) {
  auto product = lamp({}, {}, {.backorders = true, .low_stock_threshold = std::nullopt});
  product.allocate(OrderLine("o1", "LAMP", 5), kTestNow);  // waits
  product.take_events();
  product.add_batch(stock("spoiled", 10, "main", kTestYesterday), kTestNow);
  EXPECT_NE(product.waiting_line("o1"), nullptr);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::BatchAdded{"LAMP", "spoiled", 10}}));
  product.add_batch(stock("fresh", 10, "main", kTestNextWeek), kTestNow);
  EXPECT_EQ(product.waiting_line("o1"), nullptr);
  EXPECT_EQ(product.batch("fresh")->allocated_quantity(), 5);
}

TEST(ProductWarehouses, ABatchAddedAgainInAnotherWarehouseOrWithAnotherExpiryConflicts) {
  auto product = lamp({});
  product.add_batch(stock("b1", 10, "main", kTestNextWeek), kTestNow);
  EXPECT_FALSE(product.add_batch(stock("b1", 10, "main", kTestNextWeek), kTestNow));
  EXPECT_THROW(product.add_batch(stock("b1", 10, "east", kTestNextWeek), kTestNow), BatchConflict);
  EXPECT_THROW(product.add_batch(stock("b1", 10, "main", kTestNextMonth), kTestNow), BatchConflict);
  EXPECT_THROW(product.add_batch(stock("b1", 10, "main"), kTestNow), BatchConflict);
}

TEST(ProductWarehouses, ABatchNeedsAWarehouse) {
  EXPECT_THROW(stock("b1", 10, ""), std::invalid_argument);
}

}  // namespace
}  // namespace allocation::domain
