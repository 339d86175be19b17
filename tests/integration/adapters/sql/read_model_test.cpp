#include <gtest/gtest.h>

#include "allocation/adapters/sql/sql_read_model.hpp"
#include "support/sql_test.hpp"

namespace allocation::adapters::sql {
namespace {

using Rows = std::vector<service_layer::AllocationRow>;

class SqlReadModelTest : public testing::SqlTest {};

TEST_P(SqlReadModelTest, KeepsAnOrdersAllocationsInOrder) {
  SqlReadModel view(database);
  EXPECT_TRUE(view.allocations("o1").empty());
  view.add("o1", "SKU-B", "batch-b");
  view.add("o1", "SKU-A", "batch-a");
  view.add("o2", "SKU-A", "batch-a");
  EXPECT_EQ(view.allocations("o1"), (Rows{{"SKU-B", "batch-b"}, {"SKU-A", "batch-a"}}));
  view.remove("o1", "SKU-B");
  EXPECT_EQ(view.allocations("o1"), (Rows{{"SKU-A", "batch-a"}}));
  view.add("o1", "SKU-A", "batch-c");  // reallocated elsewhere
  EXPECT_EQ(view.allocations("o1"), (Rows{{"SKU-A", "batch-c"}}));
  view.remove("o1", "SKU-A");
  view.remove("o1", "SKU-A");  // removing twice is harmless
  EXPECT_TRUE(view.allocations("o1").empty());
  EXPECT_EQ(view.allocations("o2"), (Rows{{"SKU-A", "batch-a"}}));
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlReadModelTest);

}  // namespace
}  // namespace allocation::adapters::sql
