#include "allocation/adapters/sql/postgresql/product_in_group_repository.hpp"

#include <gtest/gtest.h>

#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;

// The assumed-product shortcut alone, without a database: the repository's reads go to a fake
// that counts them and finds nothing.
class ProductInGroupRepositoryTest : public ::testing::Test {
 protected:
  ProductInGroupRepository repository(std::optional<KnownProduct>* known_product,
                                      KnownHolds* known_holds = nullptr) {
    return ProductInGroupRepository([this](const auto&) { ++reads; }, known_product, known_holds);
  }
  // What a turn before it in the group wrote (held), or the product's last group (not held).
  static std::optional<KnownProduct> knowing(Product product, bool held = true) {
    return KnownProduct{.product = std::move(product), .priorities_version = 4, .held = held};
  }

  std::optional<KnownProduct> known = knowing(Product(
      "LAMP", {Batch("b1", "LAMP", 10, std::nullopt), Batch("b2", "LAMP", 5, std::nullopt)}, 7));
  int reads = 0;
};

TEST_F(ProductInGroupRepositoryTest, TheProductTheGroupKnowsIsTakenWithoutReadingAndAssumed) {
  auto products = repository(&known);
  Product* lamp = products.get("LAMP", "o1");
  ASSERT_NE(lamp, nullptr);
  EXPECT_EQ(reads, 0);
  EXPECT_EQ(lamp->version_number(), 7);
  EXPECT_EQ(lamp->batches().size(), 2u);
  EXPECT_TRUE(products.assumed()) << "that o1 has no line of LAMP is an assumption";
}

TEST_F(ProductInGroupRepositoryTest, WithoutAnOrderNothingIsAssumed) {
  auto products = repository(&known);
  ASSERT_NE(products.get("LAMP"), nullptr);
  EXPECT_EQ(reads, 0);
  EXPECT_FALSE(products.assumed());
}

TEST_F(ProductInGroupRepositoryTest, AnotherProductIsRead) {
  auto products = repository(&known);
  EXPECT_EQ(products.get("DESK", "o1"), nullptr);  // the fake finds nothing
  EXPECT_EQ(reads, 1);
  EXPECT_FALSE(products.assumed());
}

TEST_F(ProductInGroupRepositoryTest, AGroupThatKnowsNothingAndAFreshRunRead) {
  std::optional<KnownProduct> nothing;
  auto in_new_group = repository(&nothing);
  EXPECT_EQ(in_new_group.get("LAMP", "o1"), nullptr);
  auto run_again = repository(nullptr);  // after AssumptionUnconfirmed
  EXPECT_EQ(run_again.get("LAMP", "o1"), nullptr);
  EXPECT_EQ(reads, 2);
  EXPECT_FALSE(in_new_group.assumed());
  EXPECT_FALSE(run_again.assumed());
}

// The group's product carries what the allocation order needs: where each batch is and until
// when it keeps, and the priorities of their warehouses.
TEST_F(ProductInGroupRepositoryTest, TheAssumedProductKeepsItsWarehousesAndExpiryDates) {
  const auto expires = domain::parse_date("2030-01-01");
  std::optional<KnownProduct> ranked = knowing(Product(
      "LAMP",
      {Batch("main-1", "LAMP", 10, std::nullopt),
       Batch("east-1", "LAMP", 10, std::nullopt, {.warehouse = "east", .expires = expires})},
      7,
      domain::ProductState{.policy = {},
                           .out_of_stock = false,
                           .backorders = {},
                           .holds = {},
                           .released = {},
                           .priorities = domain::WarehousePriorities({{"east", 500}})}));
  auto products = repository(&ranked);
  Product* lamp = products.get("LAMP", "o1");
  ASSERT_NE(lamp, nullptr);
  EXPECT_EQ(reads, 0);
  EXPECT_EQ(lamp->batch("east-1")->storage(), (domain::Storage{"east", expires}));
  EXPECT_EQ(lamp->warehouse_priorities().of("east"), 500);
  // FEFO would take east-1 first; its warehouse's priority puts it last.
  EXPECT_EQ(lamp->allocate(OrderLine("o1", "LAMP", 1), kTestNow), "main-1");
}

// What the write needs: the product as taken is remembered as loaded, so that one new line is
// recognised as the only change (SqlProductRepository::only_new_line) and written in one
// statement, confirming the assumption.
TEST_F(ProductInGroupRepositoryTest, AnAllocationOnTheAssumedProductIsOneNewLine) {
  auto products = repository(&known);
  Product* lamp = products.get("LAMP", "o1");
  lamp->allocate(OrderLine("o1", "LAMP", 3), kTestNow);
  const auto& tracked = products.seen().at("LAMP");
  const Batch* batch = products.only_new_line(tracked);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->reference(), "b1");
  EXPECT_EQ(batch->allocated_quantity(), 3);
  EXPECT_EQ(known->product.batch("b1")->allocated_quantity(), 0)
      << "the group's copy is not changed";
}

// A product the last group left may have changed since in another process: an allocation may
// start from it (its write checks), work of no order reads.
TEST_F(ProductInGroupRepositoryTest, AProductFromAnEarlierGroupIsTakenForAnOrderOnly) {
  known->held = false;
  auto for_order = repository(&known);
  ASSERT_NE(for_order.get("LAMP", "o1"), nullptr);
  EXPECT_TRUE(for_order.assumed());
  EXPECT_EQ(reads, 0);
  auto for_no_order = repository(&known);
  EXPECT_EQ(for_no_order.get("LAMP"), nullptr);  // the fake finds nothing
  EXPECT_EQ(reads, 1);
}

// A hold named without an order (Reserve's) is assumed new, from a product of this group or of
// the last one; work on a hold of an order (an allocation with it) reads the hold, unless this
// process made it (below).
TEST_F(ProductInGroupRepositoryTest, AHoldNamedWithoutAnOrderIsAssumedNew) {
  known->held = false;
  auto for_hold = repository(&known);
  ASSERT_NE(for_hold.get("LAMP", {}, "h1"), nullptr);
  EXPECT_EQ(reads, 0);
  EXPECT_TRUE(for_hold.assumed());
  EXPECT_EQ(for_hold.assumed_new_hold(), "h1");
  EXPECT_TRUE(for_hold.hold_id_unused("h1")) << "its lookup answered without a read";
  auto for_order_with_hold = repository(&known);
  EXPECT_EQ(for_order_with_hold.get("LAMP", "o1", "h1"), nullptr);  // the fake finds nothing
  EXPECT_EQ(reads, 1);
  EXPECT_FALSE(for_order_with_hold.assumed());
  EXPECT_EQ(for_order_with_hold.assumed_new_hold(), std::nullopt);
}

// An order naming a hold this process made (KnownHolds) starts from the product the group knows
// with that hold alone, and the hold consumed by the line in its batch is the change a
// statement writes alone (only_hold_made_line). A hold it did not make, or of another product,
// is read.
TEST_F(ProductInGroupRepositoryTest, AnOrderWithAHoldThisProcessMadeStartsFromItAlone) {
  const domain::Hold h1("h1", "LAMP", 3, "b1", kTestNow + std::chrono::seconds(60),
                        std::chrono::seconds(60));
  std::optional<KnownProduct> holding =
      knowing(Product("LAMP", {Batch::restore("b1", "LAMP", 10, std::nullopt, 0, {}, 3, {})}, 7),
              /*held=*/false);
  KnownHolds holds;
  holds.remember(h1);
  holds.remember(domain::Hold("d1", "DESK", 1, "desk-1", kTestNow + std::chrono::seconds(60),
                              std::chrono::seconds(60)));
  auto products = repository(&holding, &holds);
  Product* lamp = products.get("LAMP", "o1", "h1");
  ASSERT_NE(lamp, nullptr);
  EXPECT_EQ(reads, 0);
  EXPECT_TRUE(products.assumed());
  EXPECT_TRUE(products.assumed_held_line());
  EXPECT_EQ(products.assumed_new_hold(), std::nullopt);
  EXPECT_EQ(lamp->allocate(OrderLine("o1", "LAMP", 3), "h1", kTestNow), "b1");
  const domain::Hold* consumed = products.only_hold_made_line(products.seen().at("LAMP"));
  ASSERT_NE(consumed, nullptr);
  EXPECT_EQ(*consumed, h1);

  for (const char* hold : {"d1", "h2"}) {
    auto reading = repository(&holding, &holds);
    EXPECT_EQ(reading.get("LAMP", "o2", hold), nullptr) << hold;  // the fake finds nothing
    EXPECT_FALSE(reading.assumed()) << hold;
  }
  EXPECT_EQ(reads, 2);
}

// The write checks the version of the warehouses' priorities the product was read with.
TEST_F(ProductInGroupRepositoryTest, TheAssumedProductHasThePrioritiesVersionItWasReadWith) {
  auto products = repository(&known);
  ASSERT_NE(products.get("LAMP", "o1"), nullptr);
  EXPECT_EQ(products.priorities_version("LAMP"), 4);
  EXPECT_EQ(products.priorities_version("DESK"), std::nullopt);
}

}  // namespace
}  // namespace allocation::adapters::sql
