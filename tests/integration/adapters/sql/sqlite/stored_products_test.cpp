#include "allocation/adapters/sql/sqlite/stored_products.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/scratch_database.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;
using testing::ScratchDatabase;

Product product(const std::string& sku, int batches, int version = 1) {
  std::vector<Batch> all;
  for (int i = 0; i < batches; ++i) {
    all.push_back(Batch::restore(sku + "-" + std::to_string(i), sku, 10, std::nullopt, 2,
                                 {OrderLine("o1", sku, 2)}));
  }
  return Product(sku, std::move(all), version);
}

TEST(StoredProducts, KnowsAProductAsRememberedWithoutItsLines) {
  StoredProducts stored;
  stored.remember(product("LAMP", 2, 7));
  const StoredProducts::Known* lamp = stored.find("LAMP");
  ASSERT_NE(lamp, nullptr);
  EXPECT_EQ(lamp->version, 7);
  ASSERT_EQ(lamp->batches.size(), 2u);
  EXPECT_EQ(lamp->batches[0].reference(), "LAMP-0");
  EXPECT_EQ(lamp->batches[0].allocated_quantity(), 2);
  EXPECT_TRUE(lamp->batches[0].loaded_lines().empty());
  EXPECT_EQ(stored.find("DESK"), nullptr);
}

TEST(StoredProducts, RememberingAgainReplaces) {
  StoredProducts stored;
  stored.remember(product("LAMP", 2, 1));
  stored.remember(product("LAMP", 3, 2));
  EXPECT_EQ(stored.find("LAMP")->version, 2);
  EXPECT_EQ(stored.products(), 1u);
  EXPECT_EQ(stored.batches(), 3u);
}

TEST(StoredProducts, KeepsNoMoreBatchesThanItsBoundForgettingTheLeastRecentlyUsed) {
  StoredProducts stored(/*max_batches=*/6);
  stored.remember(product("A", 2));
  stored.remember(product("B", 2));
  stored.remember(product("C", 2));
  ASSERT_NE(stored.find("A"), nullptr);  // now the most recently used
  stored.remember(product("D", 2));
  EXPECT_EQ(stored.find("B"), nullptr);
  EXPECT_NE(stored.find("A"), nullptr);
  EXPECT_NE(stored.find("C"), nullptr);
  EXPECT_NE(stored.find("D"), nullptr);
  EXPECT_EQ(stored.batches(), 6u);
  stored.remember(product("BIG", 9));  // alone over the bound: kept alone
  EXPECT_EQ(stored.products(), 1u);
  EXPECT_NE(stored.find("BIG"), nullptr);
}

TEST(StoredProducts, ForgetsOneOrAll) {
  StoredProducts stored;
  stored.remember(product("A", 1));
  stored.remember(product("B", 1));
  stored.forget("A");
  EXPECT_EQ(stored.find("A"), nullptr);
  EXPECT_NE(stored.find("B"), nullptr);
  stored.forget_all();
  EXPECT_EQ(stored.products(), 0u);
  EXPECT_EQ(stored.batches(), 0u);
}

TEST(StoredProducts, ForgetsAllWhenAnotherConnectionCommitted) {
  ScratchDatabase scratch{Backend::sqlite};
  auto database = scratch.open();
  auto writer = database->acquire();
  auto other = database->acquire();
  Connection connection = writer.connection();
  StoredProducts stored;
  stored.check_other_writers(connection);
  stored.remember(product("A", 1));

  writer.session() << "INSERT INTO warehouses (id, priority) VALUES ('own', 1)";
  stored.check_other_writers(connection);
  EXPECT_NE(stored.find("A"), nullptr) << "its own connection's commit";

  other.session() << "INSERT INTO warehouses (id, priority) VALUES ('other', 1)";
  stored.check_other_writers(connection);
  EXPECT_EQ(stored.find("A"), nullptr);
}

}  // namespace
}  // namespace allocation::adapters::sql
