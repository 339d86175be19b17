#include "allocation/adapters/sql/sql_read_model.hpp"

#include <gtest/gtest.h>

#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::UnitOfWork;
using Rows = std::vector<service_layer::AllocationRow>;
using Pending = std::vector<domain::events::Deallocated>;

// The view is written by the unit of work, in the transaction of the change it shows.
class SqlReadModelTest : public testing::SqlTest {
 protected:
  void allocate(const std::string& orderid, const std::string& sku, int qty) {
    units_of_work->perform([&](UnitOfWork& uow) {
      uow.products().get(sku)->allocate(OrderLine(orderid, sku, qty), kTestNow);
      uow.commit();
    });
  }
  Rows allocations(const std::string& orderid) {
    return SqlReadModel(database).allocations(orderid);
  }
};

TEST_P(SqlReadModelTest, ShowsAnOrdersAllocationsInOrder) {
  add_product("SKU-A", {{"batch-a", 10, std::nullopt}});
  add_product("SKU-B", {{"batch-b", 10, std::nullopt}});
  EXPECT_TRUE(allocations("o1").empty());
  allocate("o1", "SKU-B", 1);
  allocate("o1", "SKU-A", 1);
  allocate("o2", "SKU-A", 1);
  EXPECT_EQ(allocations("o1"), (Rows{{"SKU-B", "batch-b"}, {"SKU-A", "batch-a"}}));
  EXPECT_EQ(allocations("o2"), (Rows{{"SKU-A", "batch-a"}}));
}

TEST_P(SqlReadModelTest, ShowsNothingOfAUnitOfWorkRolledBack) {
  add_product("SKU-A", {{"batch-a", 10, std::nullopt}});
  units_of_work->perform([](UnitOfWork& uow) {
    uow.products().get("SKU-A")->allocate(OrderLine("o1", "SKU-A", 1), kTestNow);
  });
  EXPECT_TRUE(allocations("o1").empty());
}

TEST_P(SqlReadModelTest, LosesADeallocatedLineWhichStaysPendingUntilSettled) {
  add_product("SKU-A", {{"batch-a", 10, std::nullopt}});
  allocate("o1", "SKU-A", 4);
  allocate("o2", "SKU-A", 4);
  units_of_work->perform([](UnitOfWork& uow) {
    uow.products().get_by_batchref("batch-a")->change_batch_quantity("batch-a", 5, kTestNow);
    uow.commit();
  });
  EXPECT_EQ(allocations("o1"), (Rows{{"SKU-A", "batch-a"}}));
  EXPECT_TRUE(allocations("o2").empty());
  EXPECT_EQ(pending_reallocations(), (Pending{{"o2", "SKU-A", 4, "batch-a"}}));
  units_of_work->perform([](UnitOfWork& uow) {
    uow.settle_reallocation({"o2", "SKU-A", 4, "batch-a"});
    // Settling is undone with the rest when the unit of work rolls back.
  });
  EXPECT_EQ(pending_reallocations(), (Pending{{"o2", "SKU-A", 4, "batch-a"}}));
  units_of_work->perform([](UnitOfWork& uow) {
    uow.settle_reallocation({"o2", "SKU-A", 4, "batch-a"});
    uow.commit();
  });
  EXPECT_TRUE(pending_reallocations().empty());
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlReadModelTest);

}  // namespace
}  // namespace allocation::adapters::sql
