#include "allocation/adapters/sql/postgresql/known_products.hpp"

#include <gtest/gtest.h>

#include <string>

namespace allocation::adapters::sql {
namespace {

using domain::Batch;
using domain::Product;

KnownProduct known(const std::string& sku, int batches, int version, long long priorities = 0) {
  std::vector<Batch> all;
  for (int i = 0; i < batches; ++i)
    all.emplace_back(sku + "-" + std::to_string(i), sku, 10, std::nullopt);
  return {.product = Product(sku, std::move(all), version),
          .priorities_version = priorities,
          .held = true};
}

TEST(KnownProducts, GivesWhatWasRememberedNotHeldByAnyGroup) {
  KnownProducts products;
  products.remember(known("LAMP", 2, 7, 3));
  const auto lamp = products.find("LAMP");
  ASSERT_TRUE(lamp);
  EXPECT_EQ(lamp->product.version_number(), 7);
  EXPECT_EQ(lamp->product.batches().size(), 2u);
  EXPECT_EQ(lamp->priorities_version, 3);
  EXPECT_FALSE(lamp->held) << "the next group does not hold the row the last one wrote";
  EXPECT_FALSE(products.find("DESK"));
}

TEST(KnownProducts, RememberingAgainReplacesAndForgettingForgets) {
  KnownProducts products;
  products.remember(known("LAMP", 2, 7));
  products.remember(known("LAMP", 3, 8));
  EXPECT_EQ(products.find("LAMP")->product.version_number(), 8);
  EXPECT_EQ(products.find("LAMP")->product.batches().size(), 3u);
  products.forget("LAMP");
  EXPECT_FALSE(products.find("LAMP"));
}

TEST(KnownProducts, KeepsNoMoreBatchesThanItsBoundForgettingTheLeastRecentlyUsed) {
  KnownProducts products(/*max_batches=*/6);
  products.remember(known("A", 2, 1));
  products.remember(known("B", 2, 1));
  products.remember(known("C", 2, 1));
  ASSERT_TRUE(products.find("A"));  // used: B is now the least recently used
  products.remember(known("D", 2, 1));
  EXPECT_TRUE(products.find("A"));
  EXPECT_FALSE(products.find("B"));
  EXPECT_TRUE(products.find("C"));
  EXPECT_TRUE(products.find("D"));
  products.remember(known("BIG", 9, 1));  // over the bound alone: kept, every other forgotten
  EXPECT_TRUE(products.find("BIG"));
  EXPECT_FALSE(products.find("A"));
  EXPECT_FALSE(products.find("D"));
}

}  // namespace
}  // namespace allocation::adapters::sql
