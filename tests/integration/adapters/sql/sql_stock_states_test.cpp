#include "allocation/adapters/sql/sql_stock_states.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "support/sql_test.hpp"
#include "support/stock_states_contract.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::BatchStock;

const auto kTomorrow = domain::parse_date("2030-01-02");

class SqlStockStatesTest : public testing::SqlTest {};

TEST_P(SqlStockStatesTest, AProductsBatchesSumsPolicyAndWaitingUnits) {
  add_product("LAMP", {{"shipment", 20, kTomorrow}, {"warehouse", 10, std::nullopt}});
  add_product("DESK", {{"d1", 1, std::nullopt}});
  change_product("LAMP", "o1", [](auto& lamp) {
    lamp.set_policy({.backorders = true, .low_stock_threshold = 3});
    lamp.allocate(OrderLine("o1", "LAMP", 8), kTestNow);  // the warehouse
  });
  change_product("LAMP", "o2",
                 [](auto& lamp) { lamp.allocate(OrderLine("o2", "LAMP", 15), kTestNow); });
  change_product("LAMP", "o3",
                 [](auto& lamp) { lamp.allocate(OrderLine("o3", "LAMP", 6), kTestNow); });  // waits
  change_product("LAMP", "o4",
                 [](auto& lamp) { lamp.allocate(OrderLine("o4", "LAMP", 7), kTestNow); });  // waits
  change_product("DESK", "o5",
                 [](auto& desk) { desk.allocate(OrderLine("o5", "DESK", 1), kTestNow); });

  SqlStockStates states(database);
  const auto lamp = states.product("LAMP", kTestToday);
  ASSERT_TRUE(lamp);
  EXPECT_EQ(lamp->batches,
            (std::vector<BatchStock>{
                {"shipment", "LAMP", kTomorrow, "main", std::nullopt, 20, 15, 0, 5},
                {"warehouse", "LAMP", std::nullopt, "main", std::nullopt, 10, 8, 0, 2}}));
  EXPECT_EQ(lamp->on_hand, 10);
  EXPECT_EQ(lamp->incoming, 20);
  EXPECT_EQ(lamp->allocated, 23);
  EXPECT_EQ(lamp->reserved, 0);
  EXPECT_EQ(lamp->available, 7);
  EXPECT_EQ(lamp->backordered, 13);
  EXPECT_TRUE(lamp->backorders);
  EXPECT_EQ(lamp->low_stock_threshold, 3);
  // Each product's own units: DESK's line and its lack of policy are its own.
  const auto desk = states.product("DESK", kTestToday);
  EXPECT_EQ(desk->allocated, 1);
  EXPECT_EQ(desk->backordered, 0);
  EXPECT_FALSE(desk->backorders);
  EXPECT_EQ(desk->low_stock_threshold, std::nullopt);
  EXPECT_EQ(states.product("RUG", kTestToday), std::nullopt);
}

TEST_P(SqlStockStatesTest, ABatchWithItsSku) {
  add_product("LAMP", {{"b1", 10, kTomorrow}});
  change_product("LAMP", "o1",
                 [](auto& lamp) { lamp.allocate(OrderLine("o1", "LAMP", 4), kTestNow); });
  SqlStockStates states(database);
  EXPECT_EQ(states.batch("b1"),
            (BatchStock{"b1", "LAMP", kTomorrow, "main", std::nullopt, 10, 4, 0, 6}));
  EXPECT_EQ(states.batch("b2"), std::nullopt);
}

// The test servers run PostgreSQL in the C.UTF-8 locale (tools/test-servers.sh): bytes, as SQLite.
TEST_P(SqlStockStatesTest, PagesProductsInByteOrderOfTheirSku) {
  for (const auto& sku : testing::kPagedSkus) {
    add_product(sku, {{sku + "-1", 1, std::nullopt}, {sku + "-2", 2, kTomorrow}});
  }
  SqlStockStates states(database);
  testing::expect_pages_in_byte_order(states);
  EXPECT_EQ(states.product("DESK", kTestToday)->batches.size(), 2u);
}

// An expired batch's units are still on hand, but not available to allocation (SPEC §6).
TEST_P(SqlStockStatesTest, AnExpiredBatchCountsOnHandButNotAvailable) {
  const auto yesterday = domain::parse_date("2026-12-03");
  units_of_work->perform([&](service_layer::UnitOfWork& uow) {
    domain::Product& milk = uow.products().add(domain::Product("MILK"));
    milk.add_batch(domain::Batch("spoiled", "MILK", 10, std::nullopt,
                                 {.warehouse = "cold", .expires = yesterday}),
                   kTestNow);
    milk.add_batch(domain::Batch("fresh", "MILK", 4, std::nullopt), kTestNow);
    uow.commit();
  });
  SqlStockStates states(database);
  const auto milk = states.product("MILK", kTestToday);
  ASSERT_TRUE(milk);
  EXPECT_EQ(milk->on_hand, 14);
  EXPECT_EQ(milk->available, 4);
  EXPECT_EQ(milk->batches[0],
            (BatchStock{"spoiled", "MILK", std::nullopt, "cold", yesterday, 10, 0, 0, 10}));
  EXPECT_EQ(states.products("", 10, *yesterday).products.at(0).available, 14);
  EXPECT_EQ(states.batch("spoiled"), milk->batches[0]);
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlStockStatesTest);

}  // namespace
}  // namespace allocation::adapters::sql
