#pragma once

#include <gtest/gtest.h>

#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "support/scratch_database.hpp"

namespace allocation::testing {

// A test run once on SQLite and once on PostgreSQL, each with a fresh migrated database.
class SqlTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    SKIP_UNLESS_AVAILABLE(scratch);
    database = scratch.open();
    units_of_work = adapters::sql::sql_units_of_work(database);
  }

  // Adds a product with batches (reference, qty, eta) in a committed unit of work.
  void add_product(
      const std::string& sku,
      std::initializer_list<std::tuple<std::string, int, std::optional<domain::Date>>> batches) {
    units_of_work->perform([&](service_layer::UnitOfWork& uow) {
      domain::Product& product = uow.products().add(domain::Product(sku));
      for (const auto& [ref, qty, eta] : batches)
        product.add_batch(domain::Batch(ref, sku, qty, eta));
      uow.commit();
    });
  }

  // Every pending reallocation, read in a unit of work.
  std::vector<domain::events::Deallocated> pending_reallocations() {
    std::vector<domain::events::Deallocated> pending;
    units_of_work->perform(
        [&](service_layer::UnitOfWork& uow) { pending = uow.pending_reallocations(); });
    return pending;
  }

  ScratchDatabase scratch{GetParam()};
  std::shared_ptr<adapters::sql::Database> database;
  std::shared_ptr<service_layer::UnitsOfWork> units_of_work;
};

inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) {
  return backend_name(info.param);
}

#define INSTANTIATE_FOR_BOTH_DATABASES(Suite)                                                   \
  INSTANTIATE_TEST_SUITE_P(Databases, Suite,                                                    \
                           ::testing::Values(::allocation::adapters::sql::Backend::sqlite,      \
                                             ::allocation::adapters::sql::Backend::postgresql), \
                           ::allocation::testing::backend_test_name)

}  // namespace allocation::testing
