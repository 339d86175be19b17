#include "allocation/domain/product.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "allocation/domain/errors.hpp"
#include "support/batch_dates.hpp"
#include "support/domain_products.hpp"
#include "support/print_domain.hpp"
#include "support/test_time.hpp"

namespace allocation::domain {
namespace {

using namespace testing;

TEST(Product, PrefersWarehouseBatchesToShipments) {
  auto product = product_of("CLOCK", {{"shipment", 100, kTomorrow}, {"in-stock", 100, {}}});
  EXPECT_EQ(product.allocate(OrderLine("oref", "CLOCK", 10), kTestNow), "in-stock");
  EXPECT_EQ(product.batch("in-stock")->available_quantity(), 90);
  EXPECT_EQ(product.batch("shipment")->available_quantity(), 100);
}

TEST(Product, PrefersEarlierBatches) {
  auto product = product_of(
      "SPOON", {{"slow", 100, kLater}, {"normal", 100, kTomorrow}, {"speedy", 100, kToday}});
  EXPECT_EQ(product.allocate(OrderLine("order1", "SPOON", 10), kTestNow), "speedy");
  EXPECT_EQ(product.batch("normal")->available_quantity(), 100);
  EXPECT_EQ(product.batch("slow")->available_quantity(), 100);
}

TEST(Product, BreaksEtaTiesByTheOrderBatchesWereAdded) {
  auto shipments = product_of("FORK", {{"first", 10, kTomorrow}, {"second", 10, kTomorrow}});
  EXPECT_EQ(shipments.allocate(OrderLine("o1", "FORK", 1), kTestNow), "first");
  auto warehouse = product_of("KNIFE", {{"wh-a", 10, {}}, {"wh-b", 10, {}}});
  EXPECT_EQ(warehouse.allocate(OrderLine("o1", "KNIFE", 1), kTestNow), "wh-a");
}

TEST(Product, SkipsBatchesThatCannotTakeTheLine) {
  auto product = product_of("LAMP", {{"small-wh", 1, {}}, {"big-ship", 100, kToday}});
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), "big-ship");
}

TEST(Product, RecordsAllocatedEvent) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 3), kTestNow);
  ASSERT_EQ(product.events().size(), 1u);
  EXPECT_EQ(product.events()[0], Event(events::Allocated{"o1", "LAMP", 3, "b1"}));
}

TEST(Product, RecordsOutOfStockAndAllocatesNothingWhenNoBatchCanTakeTheLine) {
  auto product = product_of("SMALL-FORK", {{"b1", 10, {}}});
  product.allocate(OrderLine("order1", "SMALL-FORK", 10), kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("order2", "SMALL-FORK", 1), kTestNow), std::nullopt);
  ASSERT_EQ(product.events().size(), 1u);
  EXPECT_EQ(product.events()[0], Event(events::OutOfStock{"SMALL-FORK"}));
  EXPECT_TRUE(product.out_of_stock());
  EXPECT_EQ(product.version_number(), version + 1);  // it ran out: stored
  EXPECT_EQ(product.batch("b1")->available_quantity(), 0);
  EXPECT_EQ(product.waiting_line("order2"), nullptr);  // no backorders: the line is refused
}

// The stock team hears once per SKU, not once per refused request (SPEC §7.4).
TEST(Product, RecordsOutOfStockOnceUntilBackInStock) {
  auto product = product_of("LAMP", {{"b1", 1, {}}});
  product.allocate(OrderLine("o1", "LAMP", 2), kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 2), kTestNow), std::nullopt);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  product.change_batch_quantity("b1", 5, kTestNow);
  product.take_events();
  EXPECT_FALSE(product.out_of_stock());
  product.allocate(OrderLine("o3", "LAMP", 9), kTestNow);
  EXPECT_EQ(product.events(), std::vector<Event>{events::OutOfStock{"LAMP"}});
}

TEST(Product, OutOfStockWithNoBatchesAtAll) {
  Product product("EMPTY");
  EXPECT_EQ(product.allocate(OrderLine("o", "EMPTY", 1), kTestNow), std::nullopt);
  EXPECT_EQ(product.events(), std::vector<Event>{events::OutOfStock{"EMPTY"}});
}

TEST(Product, IncrementsVersionOnEveryChange) {
  Product product("LAMP");
  EXPECT_EQ(product.version_number(), 0);
  product.add_batch(Batch("b1", "LAMP", 10, std::nullopt), kTestNow);
  EXPECT_EQ(product.version_number(), 1);
  product.allocate(OrderLine("o1", "LAMP", 1), kTestNow);
  EXPECT_EQ(product.version_number(), 2);
  product.allocate(OrderLine("o2", "LAMP", 1), kTestNow);
  EXPECT_EQ(product.version_number(), 3);
  product.change_batch_quantity("b1", 5, kTestNow);
  EXPECT_EQ(product.version_number(), 4);
}

TEST(Product, ReallocatingAnAllocatedOrderReturnsItsBatchAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, kLater}});
  product.allocate(OrderLine("o1", "LAMP", 2), kTestNow);
  product.add_batch(Batch("b0", "LAMP", 10, std::nullopt), kTestNow);  // now a better batch exists
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 2), kTestNow), "b1");
  EXPECT_EQ(product.version_number(), version);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.batch("b0")->available_quantity(), 10);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 8);
}

TEST(Product, AllocatingTheOrdersLineAgainWithAnotherQtyIsAConflictAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 3), kTestNow);
  product.take_events();
  const int version = product.version_number();
  try {
    product.allocate(OrderLine("o1", "LAMP", 5), kTestNow);
    FAIL() << "no error";
  } catch (const LineConflict& error) {
    EXPECT_STREQ(error.what(),
                 "order o1 already has 3 of LAMP; allocating it again must ask for the same qty");
  }
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 1), kTestNow), LineConflict);  // less, too
  EXPECT_EQ(product.version_number(), version);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.batch("b1")->loaded_lines(),
            std::vector<OrderLine>{OrderLine("o1", "LAMP", 3)});
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3), kTestNow),
            "b1");  // the same line still is fine
}

// As a repository loads it: the batch's total, and of its lines only the order's own.
TEST(Product, AConflictIsFoundOnAPartiallyLoadedProduct) {
  Product product("LAMP",
                  {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}),
                   Batch::restore("b2", "LAMP", 10, kLater, 9, {OrderLine("o1", "LAMP", 2)})},
                  7);
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 4), kTestNow), LineConflict);
  EXPECT_EQ(product.version_number(), 7);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 10);
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 2), kTestNow), "b2");
}

TEST(Product, ChangingQuantityDeallocatesMostRecentLinesFirst) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("first", "LAMP", 4), kTestNow);
  product.allocate(OrderLine("second", "LAMP", 3), kTestNow);
  product.allocate(OrderLine("third", "LAMP", 2), kTestNow);
  product.take_events();
  product.change_batch_quantity("b1", 5, kTestNow);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "b1", 10, 5},
                                                  events::Deallocated{"third", "LAMP", 2, "b1"},
                                                  events::Deallocated{"second", "LAMP", 3, "b1"}}));
  EXPECT_EQ(product.batch("b1")->available_quantity(), 1);
  EXPECT_EQ(product.batch("b1")->loaded_lines(),
            std::vector<OrderLine>{OrderLine("first", "LAMP", 4)});
}

TEST(Product, ChangingQuantityWithinAvailabilityDeallocatesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.take_events();
  product.change_batch_quantity("b1", 4, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "b1", 10, 4}}));
  EXPECT_EQ(product.batch("b1")->available_quantity(), 0);
  product.change_batch_quantity("b1", 50, kTestNow);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 46);
}

TEST(Product, ChangingQuantityToZeroEmptiesTheBatch) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.allocate(OrderLine("o2", "LAMP", 6), kTestNow);
  product.take_events();
  product.change_batch_quantity("b1", 0, kTestNow);
  EXPECT_EQ(product.events().size(), 3u);  // the change and two lines taken off
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 0);
}

TEST(Product, ChangingQuantityOfUnknownBatchOrToNegativeFails) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  EXPECT_THROW(product.change_batch_quantity("nope", 5, kTestNow), UnknownBatch);
  EXPECT_THROW(product.change_batch_quantity("b1", -1, kTestNow), std::invalid_argument);
  EXPECT_EQ(product.batch("b1")->purchased_quantity(), 10);
}

TEST(Product, DeallocatingNeedsTheBatchLinesLoaded) {
  // Two lines allocated, one loaded: a repository bug that must not silently lose a line.
  Product product(
      "LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 5, {OrderLine("o2", "LAMP", 3)})}, 7);
  EXPECT_THROW(product.change_batch_quantity("b1", 1, kTestNow), std::logic_error);
}

TEST(Product, AddingTheSameBatchAgainIsANoOpAndOtherDataIsAConflict) {
  auto product = product_of("LAMP", {{"b1", 10, kToday}});
  const int version = product.version_number();
  EXPECT_FALSE(product.add_batch(Batch("b1", "LAMP", 10, kToday), kTestNow));
  EXPECT_EQ(product.version_number(), version);
  EXPECT_THROW(product.add_batch(Batch("b1", "LAMP", 11, kToday), kTestNow), BatchConflict);
  EXPECT_THROW(product.add_batch(Batch("b1", "LAMP", 10, std::nullopt), kTestNow), BatchConflict);
  EXPECT_EQ(product.batches().size(), 1u);
}

TEST(Product, RejectsBatchesAndLinesOfAnotherSku) {
  Product product("LAMP");
  EXPECT_THROW(product.add_batch(Batch("b1", "DESK", 10, std::nullopt), kTestNow),
               std::invalid_argument);
  EXPECT_THROW(product.allocate(OrderLine("o1", "DESK", 1), kTestNow), std::invalid_argument);
  EXPECT_THROW(product.release_taken_off(OrderLine("o1", "DESK", 1), kTestNow),
               std::invalid_argument);
}

TEST(Product, RecordsTheStockMovementsOfBatches) {
  Product product("LAMP");
  product.add_batch(Batch("b1", "LAMP", 10, std::nullopt), kTestNow);
  product.change_batch_quantity("b1", 7, kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchAdded{"LAMP", "b1", 10},
                                events::BatchQuantityChanged{"LAMP", "b1", 10, 7}}));
}

// --- Releasing lines (SPEC §7.1) ---

TEST(Product, ReleasingAnAllocatedLineFreesItsUnits) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.take_events();
  const int version = product.version_number();
  const auto released = product.deallocate("o1", kTestNow);
  const events::Released part{"o1", "LAMP", 4, "b1"};
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, std::vector<events::Released>{part});
  EXPECT_EQ(product.events(), std::vector<Event>{part});
  EXPECT_EQ(product.batch("b1")->available_quantity(), 10);
  EXPECT_EQ(product.released_lines(), std::vector<OrderLine>{OrderLine("o1", "LAMP", 4)});
  EXPECT_EQ(product.version_number(), version + 1);
}

TEST(Product, ReleasingTwiceReleasesNothingTheSecondTime) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.deallocate("o1", kTestNow);
  product.take_events();
  const int version = product.version_number();
  const auto again = product.deallocate("o1", kTestNow);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 10);
}

TEST(Product, ReleasingALineTheProductNeverHadIsUnknown) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  const int version = product.version_number();
  EXPECT_EQ(product.deallocate("nobody", kTestNow), std::nullopt);
  EXPECT_EQ(product.version_number(), version);
  EXPECT_TRUE(product.events().empty());
}

// As a repository loads it: the order's released line, stored.
TEST(Product, AReleasedLineIsNotAllocatedAgain) {
  Product product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {})}, 3,
                  ProductState{.policy = {},
                               .out_of_stock = false,
                               .backorders = {},
                               .released = {OrderLine("o1", "LAMP", 4)}});
  try {
    product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
    FAIL() << "no error";
  } catch (const ReleasedLine& error) {
    EXPECT_STREQ(error.what(),
                 "order o1 released its line of LAMP; a released line is not allocated again");
  }
  EXPECT_EQ(product.version_number(), 3);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 10);
  EXPECT_EQ(product.deallocate("o1", kTestNow), std::vector<events::Released>{});
}

// A line taken off by a quantity change, cancelled before its reallocation ran.
TEST(Product, ALineReleasedWhileTakenOffIsNotReallocated) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.change_batch_quantity("b1", 2, kTestNow);
  product.take_events();
  EXPECT_EQ(product.release_taken_off(OrderLine("o1", "LAMP", 4), kTestNow),
            (events::Released{"o1", "LAMP", 4, std::nullopt}));
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 4), kTestNow), ReleasedLine);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 2);
}

// --- Backorders (SPEC §7.2) ---

TEST(Product, WithBackordersALineThatFindsNoBatchWaits) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 2, {}}}));
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), std::nullopt);
  ASSERT_NE(product.waiting_line("o1"), nullptr);
  EXPECT_EQ(*product.waiting_line("o1"), OrderLine("o1", "LAMP", 5));
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::OutOfStock{"LAMP"}, events::Backordered{"o1", "LAMP", 5}}));
  EXPECT_EQ(product.version_number(), version + 1);
  EXPECT_EQ(product.backorders().added(), std::vector<OrderLine>{OrderLine("o1", "LAMP", 5)});
  EXPECT_EQ(product.batch("b1")->available_quantity(), 2);
}

TEST(Product, AWaitingLineAgainIsTheSameAnswerAndAnotherQtyAConflict) {
  auto product = with_backorders(product_of("LAMP", {}));
  product.allocate(OrderLine("o1", "LAMP", 5), kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5), kTestNow), std::nullopt);
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 6), kTestNow), LineConflict);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.backorders().added().size(), 1u);
}

TEST(Product, AnArrivingBatchServesWaitingLinesInArrivalOrderAndSkipsWhatDoesNotFit) {
  auto product = with_backorders(product_of("LAMP", {}));
  for (const auto& [orderid, qty] :
       {std::pair{"first", 3}, {"big", 8}, {"small", 2}, {"last", 1}}) {
    product.allocate(OrderLine(orderid, "LAMP", qty), kTestNow);
  }
  product.take_events();
  product.add_batch(Batch("b1", "LAMP", 6, std::nullopt), kTestNow);
  // "big" does not fit in the 3 left after "first": "small" and "last" behind it are served.
  EXPECT_EQ(product.events(), (std::vector<Event>{events::BatchAdded{"LAMP", "b1", 6},
                                                  events::Allocated{"first", "LAMP", 3, "b1"},
                                                  events::Allocated{"small", "LAMP", 2, "b1"},
                                                  events::Allocated{"last", "LAMP", 1, "b1"}}));
  EXPECT_EQ(product.backorders().added(), std::vector<OrderLine>{OrderLine("big", "LAMP", 8)});
  EXPECT_EQ(product.batch("b1")->available_quantity(), 0);
}

TEST(Product, RaisingAQuantityServesWaitingLines) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 1, {}}}));
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.take_events();
  product.change_batch_quantity("b1", 5, kTestNow);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "b1", 1, 5},
                                                  events::Allocated{"o1", "LAMP", 4, "b1"},
                                                  events::BackInStock{"LAMP", 1}}));
  EXPECT_EQ(product.waiting_line("o1"), nullptr);
}

TEST(Product, AReleasedLineServesWaitingLines) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 4, {}}}));
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.allocate(OrderLine("o2", "LAMP", 3), kTestNow);
  product.take_events();
  product.deallocate("o1", kTestNow);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Released{"o1", "LAMP", 4, "b1"},
                                                  events::Allocated{"o2", "LAMP", 3, "b1"},
                                                  events::BackInStock{"LAMP", 1}}));
  EXPECT_EQ(product.batch("b1")->available_quantity(), 1);
}

TEST(Product, ReleasingAWaitingLineTakesItOutOfTheQueue) {
  auto product = with_backorders(product_of("LAMP", {}));
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.take_events();
  EXPECT_EQ(product.deallocate("o1", kTestNow),
            (std::vector<events::Released>{events::Released{"o1", "LAMP", 4, std::nullopt}}));
  EXPECT_EQ(product.waiting_line("o1"), nullptr);
  EXPECT_TRUE(product.backorders().added().empty());
  product.add_batch(Batch("b1", "LAMP", 10, std::nullopt), kTestNow);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 10);  // nothing left to serve
}

// A quantity change takes lines off; allocated again (the reallocate handler), they wait.
TEST(Product, AQuantityChangePushesLinesIntoTheQueue) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 10, {}}}));
  product.allocate(OrderLine("o1", "LAMP", 6), kTestNow);
  product.allocate(OrderLine("o2", "LAMP", 4), kTestNow);
  product.change_batch_quantity("b1", 3, kTestNow);  // both lines taken off, 3 free
  product.take_events();
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 4), kTestNow), std::nullopt);
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 6), kTestNow), std::nullopt);
  EXPECT_EQ(product.backorders().added(),
            (std::vector<OrderLine>{OrderLine("o2", "LAMP", 4), OrderLine("o1", "LAMP", 6)}));
  product.change_batch_quantity("b1", 10, kTestNow);  // back: served in the order they came back
  EXPECT_EQ(product.batch("b1")->loaded_lines(),
            (std::vector<OrderLine>{OrderLine("o2", "LAMP", 4), OrderLine("o1", "LAMP", 6)}));
}

// Lowering b1 to 6 takes off the lines of 2 and 4 (the 2 alone would leave it over): 3 units are
// free again. The taken-off lines come first; what they leave goes to the queue.
TEST(Product, ReallocatingATakenOffLineServesTheQueueFromWhatTheChangeLeftFree) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 9, {}}}));
  product.allocate(OrderLine("first", "LAMP", 3), kTestNow);
  product.allocate(OrderLine("second", "LAMP", 4), kTestNow);
  product.allocate(OrderLine("third", "LAMP", 2), kTestNow);
  product.allocate(OrderLine("waiting", "LAMP", 1), kTestNow);
  product.change_batch_quantity("b1", 6, kTestNow);
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.reallocate(OrderLine("third", "LAMP", 2), kTestNow), "b1");
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Allocated{"third", "LAMP", 2, "b1"},
                                                  events::Allocated{"waiting", "LAMP", 1, "b1"}}));
  EXPECT_EQ(product.version_number(), version + 1);
  EXPECT_EQ(product.reallocate(OrderLine("second", "LAMP", 4), kTestNow),
            std::nullopt);  // it waits
  EXPECT_NE(product.waiting_line("second"), nullptr);
}

TEST(Product, ReleasingATakenOffLineServesTheQueueFromWhatTheChangeLeftFree) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 9, {}}}));
  product.allocate(OrderLine("first", "LAMP", 3), kTestNow);
  product.allocate(OrderLine("second", "LAMP", 4), kTestNow);
  product.allocate(OrderLine("third", "LAMP", 2), kTestNow);
  product.allocate(OrderLine("waiting", "LAMP", 1), kTestNow);
  product.change_batch_quantity("b1", 6, kTestNow);  // second and third taken off: 3 free
  product.take_events();
  product.release_taken_off(OrderLine("third", "LAMP", 2), kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Released{"third", "LAMP", 2, std::nullopt},
                                events::Allocated{"waiting", "LAMP", 1, "b1"},
                                events::BackInStock{"LAMP", 2}}));
}

TEST(Product, TurningBackordersOffKeepsTheWaitingLines) {
  auto product = with_backorders(product_of("LAMP", {}));
  product.allocate(OrderLine("o1", "LAMP", 4), kTestNow);
  product.set_policy({});
  EXPECT_NE(product.waiting_line("o1"), nullptr);
  EXPECT_EQ(product.allocate(OrderLine("o2", "LAMP", 4), kTestNow), std::nullopt);
  EXPECT_EQ(product.waiting_line("o2"), nullptr);
  product.add_batch(Batch("b1", "LAMP", 10, std::nullopt), kTestNow);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 6);
}

TEST(Product, APolicyChangeIsAChangeAndTheSamePolicyIsNot) {
  Product product("LAMP");
  product.set_policy({.backorders = true, .low_stock_threshold = 3});
  EXPECT_EQ(product.version_number(), 1);
  product.set_policy({.backorders = true, .low_stock_threshold = 3});
  EXPECT_EQ(product.version_number(), 1);
  EXPECT_THROW(product.set_policy({.backorders = false, .low_stock_threshold = -1}),
               std::invalid_argument);
  EXPECT_EQ(product.policy(), (ProductPolicy{.backorders = true, .low_stock_threshold = 3}));
}

// --- Stock signals (SPEC §7.4) ---

TEST(Product, BackInStockOnlyAfterRunningOut) {
  Product product("LAMP");
  product.add_batch(Batch("b1", "LAMP", 5, std::nullopt), kTestNow);  // a new product: not "back"
  product.change_batch_quantity("b1", 8, kTestNow);
  for (const Event& event : product.events()) {
    EXPECT_FALSE(std::holds_alternative<events::BackInStock>(event));
  }
}

TEST(Product, NoBackInStockWhenTheQueueTakesEveryFreedUnit) {
  auto product = with_backorders(product_of("LAMP", {}));
  product.allocate(OrderLine("o1", "LAMP", 5), kTestNow);
  product.take_events();
  product.add_batch(Batch("b1", "LAMP", 5, std::nullopt), kTestNow);
  for (const Event& event : product.events()) {
    EXPECT_FALSE(std::holds_alternative<events::BackInStock>(event));
  }
  EXPECT_TRUE(product.out_of_stock());
}

// A line that finds no batch while a few units are free leaves the product out of stock: those
// units were there before it ran out, and nothing came back (the units of a reallocation too).
TEST(Product, NoBackInStockWhenALineFindsNoBatchWhileSomeUnitsAreFree) {
  auto product = with_backorders(
      product_of("LAMP", {{"wh", 10, {}}, {"ship", 10, domain::parse_date("2031-01-01")}}));
  product.allocate(OrderLine("o1", "LAMP", 5), kTestNow);   // wh
  product.allocate(OrderLine("o2", "LAMP", 10), kTestNow);  // ship
  product.change_batch_quantity("wh", 3, kTestNow);  // o1 taken off: 3 free, none of them for it
  product.take_events();
  product.reallocate(OrderLine("o1", "LAMP", 5), kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::OutOfStock{"LAMP"}, events::Backordered{"o1", "LAMP", 5}}));
  EXPECT_TRUE(product.out_of_stock());
}

// Releasing a waiting line frees no unit: the product is no more in stock than before.
TEST(Product, NoBackInStockWhenAWaitingLineIsReleased) {
  auto product = with_backorders(product_of("LAMP", {{"b1", 2, {}}}));
  product.allocate(OrderLine("o1", "LAMP", 5), kTestNow);  // waits; LAMP ran out
  product.take_events();
  product.deallocate("o1", kTestNow);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::Released{"o1", "LAMP", 5, std::nullopt}}));
  EXPECT_TRUE(product.out_of_stock());
  // Units that do come back are announced.
  product.change_batch_quantity("b1", 3, kTestNow);
  EXPECT_EQ(product.events().back(), (Event{events::BackInStock{"LAMP", 3}}));
}

TEST(Product, LowStockWhenAvailableFallsToTheThreshold) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.set_policy({.backorders = false, .low_stock_threshold = 3});
  product.allocate(OrderLine("o1", "LAMP", 6), kTestNow);  // 4 left: above
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Allocated{"o1", "LAMP", 6, "b1"}}));
  product.take_events();
  product.allocate(OrderLine("o2", "LAMP", 1), kTestNow);  // 3: at the threshold
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Allocated{"o2", "LAMP", 1, "b1"},
                                                  events::LowStock{"LAMP", 3, 3}}));
  product.take_events();
  product.allocate(OrderLine("o3", "LAMP", 1), kTestNow);  // still low: said once
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Allocated{"o3", "LAMP", 1, "b1"}}));
  product.take_events();
  product.change_batch_quantity("b1", 20, kTestNow);  // up again, then down through it
  product.change_batch_quantity("b1", 9, kTestNow);
  EXPECT_EQ(product.events().back(), Event(events::LowStock{"LAMP", 1, 3}));
}

TEST(Product, AThresholdOfZeroSaysWhenTheLastUnitGoes) {
  auto product = product_of("LAMP", {{"b1", 2, {}}});
  product.set_policy({.backorders = false, .low_stock_threshold = 0});
  product.allocate(OrderLine("o1", "LAMP", 2), kTestNow);
  EXPECT_EQ(product.events().back(), Event(events::LowStock{"LAMP", 0, 0}));
}

}  // namespace
}  // namespace allocation::domain
