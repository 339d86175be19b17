// Lines split across batches (SPEC §6): `split` takes a line no single batch can take from
// several, in the allocation order.
#include <gtest/gtest.h>

#include "allocation/domain/errors.hpp"
#include "allocation/domain/product.hpp"
#include "support/batch_dates.hpp"
#include "support/domain_products.hpp"
#include "support/print_domain.hpp"
#include "support/test_time.hpp"

namespace allocation::domain {
namespace {

using testing::product_of;
using testing::with_backorders;

constexpr bool kSplit = true;

OrderLine line(const char* orderid, int qty) { return OrderLine(orderid, "LAMP", qty); }

// 10 units of o1 over a (5) and b (5), nothing left.
Product split_over_a_and_b() {
  auto product = product_of("LAMP", {{"a", 5, {}}, {"b", 5, {}}});
  product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit);
  product.take_events();
  return product;
}

TEST(ProductSplit, TakesTheLineFromSeveralBatchesInTheAllocationOrder) {
  // Stock before incoming: the ship's 4 units come last, though it was added first.
  auto product = product_of("LAMP", {{"ship", 4, kLater}, {"a", 3, {}}, {"b", 5, {}}});
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit), "a");
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Allocated{"o1", "LAMP", 3, "a"},
                                                  events::Allocated{"o1", "LAMP", 5, "b"},
                                                  events::Allocated{"o1", "LAMP", 2, "ship"}}));
  EXPECT_EQ(product.parts("o1", kTestNow),
            (std::vector<LinePart>{{"a", 3}, {"b", 5}, {"ship", 2}}));
  EXPECT_EQ(product.batch("ship")->available_quantity(), 2);
  EXPECT_EQ(product.batch("a")->loaded_lines(),
            std::vector<OrderLine>{OrderLine("o1", "LAMP", 3, 10)});
  EXPECT_EQ(product.version_number(), version + 1);
}

// An expired hold holds nothing, though the others could cover the line without its units: the
// parts are those the sweep would have left (found in review: b2 10 and b3 4).
TEST(ProductSplit, TakesTheUnitsOfAnExpiredHoldInTheAllocationOrder) {
  auto product = product_of("LAMP", {{"b1", 10, {}}, {"b2", 10, {}}, {"b3", 10, {}}});
  product.reserve("eh", 6, std::chrono::seconds(1), kTestNow);
  EXPECT_EQ(product.allocate(line("o0", 4), kTestNow), "b1");
  product.take_events();
  const Instant later = kTestNow + std::chrono::seconds(2);
  EXPECT_EQ(product.allocate(line("o1", 14), later, std::nullopt, kSplit), "b1");
  EXPECT_EQ(product.events(), (std::vector<Event>{events::ReservationExpired{"eh", "LAMP", 6, "b1"},
                                                  events::Allocated{"o1", "LAMP", 6, "b1"},
                                                  events::Allocated{"o1", "LAMP", 8, "b2"}}));
  EXPECT_EQ(product.parts("o1", later), (std::vector<LinePart>{{"b1", 6}, {"b2", 8}}));
  EXPECT_EQ(product.batch("b1")->reserved_quantity(), 0);
}

TEST(ProductSplit, ClickAndCollectTakesThePreferredWarehousesPartFirst) {
  Product product("LAMP", {Batch("main-1", "LAMP", 5, std::nullopt),
                           Batch("store-1", "LAMP", 3, std::nullopt, {.warehouse = "store"})});
  EXPECT_EQ(product.allocate(line("o1", 7), kTestNow, "store", kSplit), "store-1");
  EXPECT_EQ(product.parts("o1", kTestNow, "store"),
            (std::vector<LinePart>{{"store-1", 3}, {"main-1", 4}}));
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"main-1", 4}, {"store-1", 3}}));
}

TEST(ProductSplit, IsNotUsedWhenOneBatchCanTakeTheWholeLine) {
  auto product = product_of("LAMP", {{"a", 3, {}}, {"b", 10, {}}});
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit), "b");
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"b", 10}}));
  EXPECT_FALSE(product.batch("b")->loaded_lines().front().is_part());
}

TEST(ProductSplit, TakesNothingWhenTheProductCannotCoverTheLine) {
  auto product = product_of("LAMP", {{"a", 5, {}}, {"b", 4, {}}});
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit), std::nullopt);
  EXPECT_EQ(product.events(), (std::vector<Event>{events::OutOfStock{"LAMP"}}));
  EXPECT_EQ(product.available_quantity(kTestNow), 9);
  EXPECT_TRUE(product.parts("o1", kTestNow).empty());
}

TEST(ProductSplit, WithoutSplitPartOnesRuleHolds) {
  auto product = product_of("LAMP", {{"a", 5, {}}, {"b", 5, {}}});
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow), std::nullopt);
  EXPECT_EQ(product.available_quantity(kTestNow), 10);
}

TEST(ProductSplit, RetryingTheSameLineAnswersTheSamePartsAndAnotherQtyConflicts) {
  auto product = split_over_a_and_b();
  const int version = product.version_number();
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit), "a");
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow), "a");  // without split, too
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"a", 5}, {"b", 5}}));
  try {
    product.allocate(line("o1", 5), kTestNow, std::nullopt, kSplit);
    FAIL() << "a part's qty is not the line's";
  } catch (const LineConflict& conflict) {
    EXPECT_NE(std::string(conflict.what()).find("has 10 of LAMP"), std::string::npos)
        << conflict.what();
  }
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.version_number(), version);
}

TEST(ProductSplit, DeallocatingReleasesEveryPart) {
  auto product = split_over_a_and_b();
  const auto released = product.deallocate("o1", kTestNow);
  ASSERT_TRUE(released);
  EXPECT_EQ(*released,
            (std::vector<events::Released>{{"o1", "LAMP", 5, "a"}, {"o1", "LAMP", 5, "b"}}));
  EXPECT_EQ(product.available_quantity(kTestNow), 10);
  EXPECT_TRUE(product.parts("o1", kTestNow).empty());
  EXPECT_EQ(product.deallocate("o1", kTestNow), std::vector<events::Released>{});
  EXPECT_THROW(product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit), ReleasedLine);
}

TEST(ProductSplit, AQuantityChangeTakesOnePartOffAndItsReallocationPlacesOnlyThatPart) {
  auto product = split_over_a_and_b();
  product.add_batch(Batch("small", "LAMP", 3, std::nullopt), kTestNow);
  product.add_batch(Batch("big", "LAMP", 10, std::nullopt), kTestNow);
  product.take_events();
  product.change_batch_quantity("b", 0, kTestNow);
  const events::Deallocated taken_off{"o1", "LAMP", 5, "b", 10};
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::BatchQuantityChanged{"LAMP", "b", 5, 0}, taken_off}));
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"a", 5}}));
  product.take_events();

  const OrderLine part("o1", "LAMP", 5, 10);
  EXPECT_EQ(product.reallocate(part, kTestNow), "big");  // where the part went
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Allocated{"o1", "LAMP", 5, "big"}}));
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"a", 5}, {"big", 5}}));
  product.take_events();
  // Run again (a redelivery): the line has its 10 units.
  EXPECT_EQ(product.reallocate(part, kTestNow), "a");
  EXPECT_TRUE(product.events().empty());
  EXPECT_EQ(product.batch("big")->available_quantity(), 5);
}

TEST(ProductSplit, APartTakenOffSplitsAgainWhenNoBatchCanTakeIt) {
  auto product = split_over_a_and_b();
  product.add_batch(Batch("c", "LAMP", 3, std::nullopt), kTestNow);
  product.add_batch(Batch("d", "LAMP", 3, std::nullopt), kTestNow);
  product.change_batch_quantity("b", 0, kTestNow);
  product.take_events();
  product.reallocate(OrderLine("o1", "LAMP", 5, 10), kTestNow);
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"a", 5}, {"c", 3}, {"d", 2}}));
}

TEST(ProductSplit, APartTakenOffJoinsThePartTheLineHasInABatch) {
  auto product = split_over_a_and_b();
  product.change_batch_quantity("a", 10, kTestNow);
  product.change_batch_quantity("b", 0, kTestNow);
  product.take_events();
  EXPECT_EQ(product.reallocate(OrderLine("o1", "LAMP", 5, 10), kTestNow), "a");
  EXPECT_EQ(product.events(), (std::vector<Event>{events::Allocated{"o1", "LAMP", 5, "a"}}));
  // One part of all 10 units: the whole line again.
  EXPECT_EQ(product.batch("a")->loaded_lines(), std::vector<OrderLine>{line("o1", 10)});
  EXPECT_EQ(product.batch("a")->allocated_quantity(), 10);
}

TEST(ProductSplit, APartThatFindsNoStockWaitsWithBackordersAndIsServedLater) {
  auto product = with_backorders(split_over_a_and_b());
  product.change_batch_quantity("b", 0, kTestNow);
  product.take_events();
  EXPECT_EQ(product.reallocate(OrderLine("o1", "LAMP", 5, 10), kTestNow), std::nullopt);
  EXPECT_EQ(product.events(),
            (std::vector<Event>{events::OutOfStock{"LAMP"}, events::Backordered{"o1", "LAMP", 5}}));
  // The line has its 10 units, 5 of them waiting: a retry answers the part it has.
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit), "a");
  product.take_events();
  product.add_batch(Batch("c", "LAMP", 8, std::nullopt), kTestNow);
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"a", 5}, {"c", 5}}));
}

TEST(ProductSplit, DeallocatingReleasesTheWaitingPartToo) {
  auto product = with_backorders(split_over_a_and_b());
  product.change_batch_quantity("b", 0, kTestNow);
  product.reallocate(OrderLine("o1", "LAMP", 5, 10), kTestNow);
  product.take_events();
  const auto released = product.deallocate("o1", kTestNow);
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, (std::vector<events::Released>{{"o1", "LAMP", 5, "a"},
                                                      {"o1", "LAMP", 5, std::nullopt}}));
  EXPECT_TRUE(product.backorders().lines_of("o1").empty());
}

TEST(ProductSplit, APartOfAReleasedLineIsNotPlacedAgain) {
  auto product = split_over_a_and_b();
  product.add_batch(Batch("c", "LAMP", 10, std::nullopt), kTestNow);
  product.change_batch_quantity("b", 0, kTestNow);
  product.deallocate("o1", kTestNow);
  product.take_events();
  EXPECT_THROW(product.reallocate(OrderLine("o1", "LAMP", 5, 10), kTestNow), ReleasedLine);
  EXPECT_EQ(product.batch("c")->available_quantity(), 10);
}

TEST(ProductSplit, APartOfALineAllocatedAnewWithAnotherQtyConflicts) {
  // Both parts taken off; the order allocated the line again with 4 units meanwhile.
  auto product = split_over_a_and_b();
  product.change_batch_quantity("a", 0, kTestNow);
  product.change_batch_quantity("b", 0, kTestNow);
  product.add_batch(Batch("c", "LAMP", 20, std::nullopt), kTestNow);
  product.allocate(line("o1", 4), kTestNow);
  product.take_events();
  EXPECT_THROW(product.reallocate(OrderLine("o1", "LAMP", 5, 10), kTestNow), LineConflict);
  EXPECT_EQ(product.batch("c")->allocated_quantity(), 4);
}

TEST(ProductSplit, ExpiredHoldsInTheWayOfASplitLineEnd) {
  testing::StoredHolds stored{
      {Hold("h1", "LAMP", 5, "b", kTestNow - std::chrono::seconds(1), std::chrono::seconds(60))}};
  Product product("LAMP",
                  {Batch::restore("a", "LAMP", 5, std::nullopt, 0, {}),
                   Batch::restore("b", "LAMP", 5, std::nullopt, 0, {}, 5)},
                  3, testing::holding(Holds({}, stored.source())));
  EXPECT_EQ(product.allocate(line("o1", 10), kTestNow, std::nullopt, kSplit), "a");
  EXPECT_EQ(product.parts("o1", kTestNow), (std::vector<LinePart>{{"a", 5}, {"b", 5}}));
  EXPECT_EQ(product.holds().ended().size(), 1u);
}

}  // namespace
}  // namespace allocation::domain
