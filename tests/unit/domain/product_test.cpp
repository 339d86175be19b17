#include "allocation/domain/product.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "allocation/domain/errors.hpp"

namespace allocation::domain {
namespace {

using std::chrono::day;
using std::chrono::year;

const Date kToday{year{2030}, std::chrono::January, day{1}};
const Date kTomorrow{year{2030}, std::chrono::January, day{2}};
const Date kLater{year{2030}, std::chrono::January, day{10}};

Product product_of(
    const std::string& sku,
    std::initializer_list<std::tuple<const char*, int, std::optional<Date>>> batches) {
  Product product(sku);
  for (const auto& [ref, qty, eta] : batches) product.add_batch(Batch(ref, sku, qty, eta));
  product.take_events();
  return product;
}

TEST(Product, PrefersWarehouseBatchesToShipments) {
  auto product = product_of("CLOCK", {{"shipment", 100, kTomorrow}, {"in-stock", 100, {}}});
  EXPECT_EQ(product.allocate(OrderLine("oref", "CLOCK", 10)), "in-stock");
  EXPECT_EQ(product.batch("in-stock")->available_quantity(), 90);
  EXPECT_EQ(product.batch("shipment")->available_quantity(), 100);
}

TEST(Product, PrefersEarlierBatches) {
  auto product = product_of(
      "SPOON", {{"slow", 100, kLater}, {"normal", 100, kTomorrow}, {"speedy", 100, kToday}});
  EXPECT_EQ(product.allocate(OrderLine("order1", "SPOON", 10)), "speedy");
  EXPECT_EQ(product.batch("normal")->available_quantity(), 100);
  EXPECT_EQ(product.batch("slow")->available_quantity(), 100);
}

TEST(Product, BreaksEtaTiesByTheOrderBatchesWereAdded) {
  auto shipments = product_of("FORK", {{"first", 10, kTomorrow}, {"second", 10, kTomorrow}});
  EXPECT_EQ(shipments.allocate(OrderLine("o1", "FORK", 1)), "first");
  auto warehouse = product_of("KNIFE", {{"wh-a", 10, {}}, {"wh-b", 10, {}}});
  EXPECT_EQ(warehouse.allocate(OrderLine("o1", "KNIFE", 1)), "wh-a");
}

TEST(Product, SkipsBatchesThatCannotTakeTheLine) {
  auto product = product_of("LAMP", {{"small-wh", 1, {}}, {"big-ship", 100, kToday}});
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 5)), "big-ship");
}

TEST(Product, RecordsAllocatedEvent) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 3));
  ASSERT_EQ(product.events().size(), 1u);
  EXPECT_EQ(product.events()[0], Event(events::Allocated{"o1", "LAMP", 3, "b1"}));
}

TEST(Product, RecordsOutOfStockAndAllocatesNothingWhenNoBatchCanTakeTheLine) {
  auto product = product_of("SMALL-FORK", {{"b1", 10, {}}});
  product.allocate(OrderLine("order1", "SMALL-FORK", 10));
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("order2", "SMALL-FORK", 1)), std::nullopt);
  ASSERT_EQ(product.events().size(), 1u);
  EXPECT_EQ(product.events()[0], Event(events::OutOfStock{"SMALL-FORK"}));
  EXPECT_EQ(product.version_number(), version);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 0);
}

TEST(Product, OutOfStockWithNoBatchesAtAll) {
  Product product("EMPTY");
  EXPECT_EQ(product.allocate(OrderLine("o", "EMPTY", 1)), std::nullopt);
  EXPECT_EQ(product.events(), std::vector<Event>{events::OutOfStock{"EMPTY"}});
}

TEST(Product, IncrementsVersionOnEveryChange) {
  Product product("LAMP");
  EXPECT_EQ(product.version_number(), 0);
  product.add_batch(Batch("b1", "LAMP", 10, std::nullopt));
  EXPECT_EQ(product.version_number(), 1);
  product.allocate(OrderLine("o1", "LAMP", 1));
  EXPECT_EQ(product.version_number(), 2);
  product.allocate(OrderLine("o2", "LAMP", 1));
  EXPECT_EQ(product.version_number(), 3);
  product.change_batch_quantity("b1", 5);
  EXPECT_EQ(product.version_number(), 4);
}

TEST(Product, ReallocatingAnAllocatedOrderReturnsItsBatchAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, kLater}});
  product.allocate(OrderLine("o1", "LAMP", 2));
  product.add_batch(Batch("b0", "LAMP", 10, std::nullopt));  // now a better batch exists
  product.take_events();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 2)), "b1");
  EXPECT_EQ(product.version_number(), version);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.batch("b0")->available_quantity(), 10);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 8);
}

TEST(Product, AllocatingTheOrdersLineAgainWithAnotherQtyIsAConflictAndChangesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 3));
  product.take_events();
  const int version = product.version_number();
  try {
    product.allocate(OrderLine("o1", "LAMP", 5));
    FAIL() << "no error";
  } catch (const LineConflict& error) {
    EXPECT_STREQ(error.what(),
                 "order o1 already has 3 of LAMP; allocating it again must ask for the same qty");
  }
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 1)), LineConflict);  // less, too
  EXPECT_EQ(product.version_number(), version);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.batch("b1")->loaded_lines(),
            std::vector<OrderLine>{OrderLine("o1", "LAMP", 3)});
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 3)), "b1");  // the same line still is fine
}

// As a repository loads it: the batch's total, and of its lines only the order's own.
TEST(Product, AConflictIsFoundOnAPartiallyLoadedProduct) {
  Product product("LAMP",
                  {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}),
                   Batch::restore("b2", "LAMP", 10, kLater, 9, {OrderLine("o1", "LAMP", 2)})},
                  7);
  EXPECT_THROW(product.allocate(OrderLine("o1", "LAMP", 4)), LineConflict);
  EXPECT_EQ(product.version_number(), 7);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 10);
  EXPECT_EQ(product.allocate(OrderLine("o1", "LAMP", 2)), "b2");
}

TEST(Product, ChangingQuantityDeallocatesMostRecentLinesFirst) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("first", "LAMP", 4));
  product.allocate(OrderLine("second", "LAMP", 3));
  product.allocate(OrderLine("third", "LAMP", 2));
  product.take_events();
  product.change_batch_quantity("b1", 5);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Deallocated{"third", "LAMP", 2},
                                                  events::Deallocated{"second", "LAMP", 3}}));
  EXPECT_EQ(product.batch("b1")->available_quantity(), 1);
  EXPECT_EQ(product.batch("b1")->loaded_lines(),
            std::vector<OrderLine>{OrderLine("first", "LAMP", 4)});
}

TEST(Product, ChangingQuantityWithinAvailabilityDeallocatesNothing) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 4));
  product.take_events();
  product.change_batch_quantity("b1", 4);
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.batch("b1")->available_quantity(), 0);
  product.change_batch_quantity("b1", 50);
  EXPECT_EQ(product.batch("b1")->available_quantity(), 46);
}

TEST(Product, ChangingQuantityToZeroEmptiesTheBatch) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  product.allocate(OrderLine("o1", "LAMP", 4));
  product.allocate(OrderLine("o2", "LAMP", 6));
  product.take_events();
  product.change_batch_quantity("b1", 0);
  EXPECT_EQ(product.events().size(), 2u);
  EXPECT_EQ(product.batch("b1")->allocated_quantity(), 0);
}

TEST(Product, ChangingQuantityOfUnknownBatchOrToNegativeFails) {
  auto product = product_of("LAMP", {{"b1", 10, {}}});
  EXPECT_THROW(product.change_batch_quantity("nope", 5), UnknownBatch);
  EXPECT_THROW(product.change_batch_quantity("b1", -1), std::invalid_argument);
  EXPECT_EQ(product.batch("b1")->purchased_quantity(), 10);
}

TEST(Product, DeallocatingNeedsTheBatchLinesLoaded) {
  // Two lines allocated, one loaded: a repository bug that must not silently lose a line.
  Product product(
      "LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 5, {OrderLine("o2", "LAMP", 3)})}, 7);
  EXPECT_THROW(product.change_batch_quantity("b1", 1), std::logic_error);
}

TEST(Product, AddingTheSameBatchAgainIsANoOpAndOtherDataIsAConflict) {
  auto product = product_of("LAMP", {{"b1", 10, kToday}});
  const int version = product.version_number();
  EXPECT_FALSE(product.add_batch(Batch("b1", "LAMP", 10, kToday)));
  EXPECT_EQ(product.version_number(), version);
  EXPECT_THROW(product.add_batch(Batch("b1", "LAMP", 11, kToday)), BatchConflict);
  EXPECT_THROW(product.add_batch(Batch("b1", "LAMP", 10, std::nullopt)), BatchConflict);
  EXPECT_EQ(product.batches().size(), 1u);
}

TEST(Product, RejectsBatchesAndLinesOfAnotherSku) {
  Product product("LAMP");
  EXPECT_THROW(product.add_batch(Batch("b1", "DESK", 10, std::nullopt)), std::invalid_argument);
  EXPECT_THROW(product.allocate(OrderLine("o1", "DESK", 1)), std::invalid_argument);
}

}  // namespace
}  // namespace allocation::domain
