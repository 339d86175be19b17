#include "allocation/adapters/sql/sql_warehouses.hpp"

#include <gtest/gtest.h>

#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using service_layer::WarehouseView;

class SqlWarehousesTest : public testing::SqlTest {};

TEST_P(SqlWarehousesTest, ListsTheConfiguredWarehousesAndThoseBatchesNameById) {
  SqlWarehouses warehouses(database);
  EXPECT_TRUE(warehouses.list().empty());
  units_of_work->perform([](service_layer::UnitOfWork& uow) {
    domain::Product& lamp = uow.products().add(domain::Product("LAMP"));
    lamp.add_batch(domain::Batch("b1", "LAMP", 1, std::nullopt), kTestNow);
    lamp.add_batch(domain::Batch("b2", "LAMP", 1, std::nullopt, {.warehouse = "west"}), kTestNow);
    lamp.add_batch(domain::Batch("b3", "LAMP", 1, std::nullopt, {.warehouse = "west"}), kTestNow);
    uow.set_warehouse_priority({"east", -2147483647 - 1});
    uow.set_warehouse_priority({"west", 2147483647});
    uow.commit();
  });
  EXPECT_EQ(warehouses.list(), (std::vector<WarehouseView>{{"east", -2147483647 - 1, true},
                                                           {"main", 100, false},
                                                           {"west", 2147483647, true}}));
}

TEST_P(SqlWarehousesTest, APriorityIsWrittenOnlyWhenItsUnitOfWorkCommits) {
  SqlWarehouses warehouses(database);
  units_of_work->perform([](service_layer::UnitOfWork& uow) {
    uow.set_warehouse_priority({"east", 1});
  });
  EXPECT_TRUE(warehouses.list().empty());
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlWarehousesTest);

}  // namespace
}  // namespace allocation::adapters::sql
