#include <gtest/gtest.h>

#include <cstdlib>

#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/sql/sql_read_model.hpp"
#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/scratch_database.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

// Restarts the test server: its binary runs alone (RUN_SERIAL), not beside other tests.
TEST(PostgresqlOutage, RequestsFailCleanlyDuringItAndWorkAfterIt) {
  testing::ScratchDatabase scratch(Backend::postgresql);
  SKIP_UNLESS_AVAILABLE(scratch);
  auto database = scratch.open({.pool_size = 2});
  SqlReadModel view(database);
  auto units_of_work = sql_units_of_work(database, std::make_shared<adapters::RecordingClock>());
  units_of_work->perform([](service_layer::UnitOfWork& uow) {
    domain::Product& lamp = uow.products().add(domain::Product("LAMP"));
    lamp.add_batch(domain::Batch("b1", "LAMP", 10, std::nullopt), kTestNow);
    lamp.allocate(domain::OrderLine("o1", "LAMP", 1), kTestNow);
    uow.commit();
  });
  const auto has_lamp = [&] {
    bool found = false;
    units_of_work->perform(
        [&](service_layer::UnitOfWork& uow) { found = uow.products().get("LAMP") != nullptr; });
    return found;
  };

  ASSERT_EQ(std::system(std::getenv("ALLOCATION_TEST_PG_STOP")), 0);
  EXPECT_THROW(view.allocations("o1"), service_layer::Unavailable);
  ASSERT_EQ(std::system(std::getenv("ALLOCATION_TEST_PG_START")), 0);

  // Every pooled connection died with the server; each is replaced when next used, by a unit
  // of work (its BEGIN meets the dead connection) as by a single statement.
  EXPECT_TRUE(has_lamp());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(view.allocations("o1").size(), 1u);
  EXPECT_TRUE(has_lamp());
}

}  // namespace
}  // namespace allocation::adapters::sql
