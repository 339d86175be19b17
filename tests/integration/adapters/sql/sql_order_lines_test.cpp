#include "allocation/adapters/sql/sql_order_lines.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::LineStatus;
using service_layer::OrderLineView;
using service_layer::UnitOfWork;
using Lines = std::vector<OrderLineView>;

class SqlOrderLinesTest : public testing::SqlTest {};

TEST_P(SqlOrderLinesTest, ListsEveryLineOfTheOrderWithItsStatusBySku) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  add_product("DESK", {{"d1", 1, std::nullopt}});
  add_product("RUG", {{"r1", 5, std::nullopt}});
  SqlOrderLines lines(database);
  EXPECT_TRUE(lines.of_order("o1").empty());

  change_product("LAMP", "o1",
                 [](auto& lamp) { lamp.allocate(OrderLine("o1", "LAMP", 4), kTestNow); });
  change_product("DESK", "o1", [](auto& desk) {
    desk.set_policy({.backorders = true, .low_stock_threshold = std::nullopt});
    desk.allocate(OrderLine("o1", "DESK", 3), kTestNow);
  });
  change_product("RUG", "o1", [](auto& rug) {
    rug.allocate(OrderLine("o1", "RUG", 2), kTestNow);
    rug.deallocate("o1", kTestNow);
  });
  change_product("LAMP", "o2",
                 [](auto& lamp) { lamp.allocate(OrderLine("o2", "LAMP", 1), kTestNow); });
  EXPECT_EQ(lines.of_order("o1"), (Lines{{"DESK", 3, LineStatus::backordered, {}},
                                         {"LAMP", 4, LineStatus::allocated, {{"b1", 4}}},
                                         {"RUG", 2, LineStatus::cancelled, {}}}));
  EXPECT_EQ(lines.of_order("o2"), (Lines{{"LAMP", 1, LineStatus::allocated, {{"b1", 1}}}}));
}

// Taken off by a quantity change, not yet allocated again: the order still has the line.
TEST_P(SqlOrderLinesTest, ALineTakenOffAndPendingReallocationIsAllocatedWithNoBatch) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  change_product("LAMP", "o1",
                 [](auto& lamp) { lamp.allocate(OrderLine("o1", "LAMP", 4), kTestNow); });
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 1, kTestNow);
    uow.commit();
  });
  EXPECT_EQ(SqlOrderLines(database).of_order("o1"),
            (Lines{{"LAMP", 4, LineStatus::allocated, {}}}));
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlOrderLinesTest);

}  // namespace
}  // namespace allocation::adapters::sql
