#include "allocation/domain/batch.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "allocation/domain/product.hpp"
#include "support/test_time.hpp"

namespace allocation::domain {
namespace {

// A batch changes only through its product; tests reach it through a one-batch product.
Product product_with(int purchased, const char* sku = "SMALL-TABLE") {
  Product product(sku);
  product.add_batch(Batch("batch-001", sku, purchased, std::nullopt), kTestNow);
  return product;
}

TEST(Batch, AllocatingReducesAvailableQuantity) {
  auto product = product_with(20);
  product.allocate(OrderLine("order-ref", "SMALL-TABLE", 2), kTestNow);
  EXPECT_EQ(product.batch("batch-001")->available_quantity(), 18);
  EXPECT_EQ(product.batch("batch-001")->allocated_quantity(), 2);
}

TEST(Batch, CanAllocateIfAvailableGreaterThanRequired) {
  Batch batch("b", "LAMP", 20, std::nullopt);
  EXPECT_TRUE(batch.can_allocate(OrderLine("o", "LAMP", 2)));
}

TEST(Batch, CannotAllocateIfAvailableSmallerThanRequired) {
  Batch batch("b", "LAMP", 2, std::nullopt);
  EXPECT_FALSE(batch.can_allocate(OrderLine("o", "LAMP", 20)));
}

TEST(Batch, CanAllocateIfAvailableEqualToRequired) {
  Batch batch("b", "LAMP", 2, std::nullopt);
  EXPECT_TRUE(batch.can_allocate(OrderLine("o", "LAMP", 2)));
}

TEST(Batch, CannotAllocateIfSkusDoNotMatch) {
  Batch batch("b", "UNCOMFORTABLE-CHAIR", 100, std::nullopt);
  EXPECT_FALSE(batch.can_allocate(OrderLine("o", "EXPENSIVE-TOASTER", 10)));
}

TEST(Batch, ZeroQuantityBatchTakesNothing) {
  Batch batch("b", "LAMP", 0, std::nullopt);
  EXPECT_EQ(batch.available_quantity(), 0);
  EXPECT_FALSE(batch.can_allocate(OrderLine("o", "LAMP", 1)));
}

TEST(Batch, AllocatingTheSameLineTwiceChangesNothing) {
  auto product = product_with(20);
  OrderLine line("o1", "SMALL-TABLE", 2);
  product.allocate(line, kTestNow);
  const int version = product.version_number();
  product.take_events();
  product.allocate(line, kTestNow);
  EXPECT_EQ(product.batch("batch-001")->available_quantity(), 18);
  EXPECT_EQ(product.version_number(), version);
  EXPECT_TRUE(product.events().empty());
}

TEST(Batch, RejectsInvalidData) {
  EXPECT_THROW(Batch("b", "LAMP", -1, std::nullopt), std::invalid_argument);
  EXPECT_THROW(Batch("", "LAMP", 1, std::nullopt), std::invalid_argument);
  EXPECT_THROW(Batch("b", "", 1, std::nullopt), std::invalid_argument);
}

TEST(Batch, RestoredBatchKnowsWhetherAllItsLinesAreLoaded) {
  auto complete = Batch::restore("b", "LAMP", 10, std::nullopt, 3,
                                 {OrderLine("o1", "LAMP", 1), OrderLine("o2", "LAMP", 2)});
  EXPECT_TRUE(complete.all_lines_loaded());
  auto partial = Batch::restore("b", "LAMP", 10, std::nullopt, 3, {OrderLine("o1", "LAMP", 1)});
  EXPECT_FALSE(partial.all_lines_loaded());
  EXPECT_EQ(partial.available_quantity(), 7);
}

}  // namespace
}  // namespace allocation::domain
