#include "allocation/adapters/sql/database.hpp"

#include <gtest/gtest.h>

#include <future>
#include <optional>

#include "allocation/adapters/sql/pending_reallocations.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/sql_test.hpp"

namespace allocation::adapters::sql {
namespace {

using Stats = Database::PoolStats;

class DatabasePool : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { SKIP_UNLESS_AVAILABLE(scratch); }

  testing::ScratchDatabase scratch{GetParam()};
};

// What /metrics shows of the pool: leases in use, and the acquisitions that waited, and of
// those the ones that gave up.
TEST_P(DatabasePool, CountsLeasesInUseWaitsAndTimeouts) {
  const auto database =
      scratch.open({.pool_size = 2, .acquire_timeout = std::chrono::milliseconds(50)});
  EXPECT_EQ(database->pool_stats().size, 2);
  EXPECT_EQ(database->pool_stats().in_use, 0);
  std::optional<Database::Lease> first(database->acquire());
  {
    const auto second = database->acquire();
    EXPECT_EQ(database->pool_stats().in_use, 2);
    EXPECT_EQ(database->pool_stats().waits, 0);
    EXPECT_THROW(database->acquire(), service_layer::Unavailable);  // none free in 50 ms
    EXPECT_EQ(database->pool_stats().waits, 1);
    EXPECT_EQ(database->pool_stats().timeouts, 1);
  }
  EXPECT_EQ(database->pool_stats().in_use, 1);
  // A third waits for the first to come back, and gets it: a wait, no timeout.
  const auto slow = scratch.open({.pool_size = 1, .acquire_timeout = std::chrono::seconds(10)});
  std::optional<Database::Lease> held(slow->acquire());
  auto waiting =
      std::async(std::launch::async, [&] { return slow->acquire().session().got_data(); });
  while (slow->pool_stats().waits == 0) std::this_thread::yield();
  held.reset();
  waiting.get();
  EXPECT_EQ(slow->pool_stats().waits, 1);
  EXPECT_EQ(slow->pool_stats().timeouts, 0);
  EXPECT_EQ(slow->pool_stats().in_use, 0);
}

INSTANTIATE_FOR_BOTH_DATABASES(DatabasePool);

class PendingReallocationsCount : public testing::SqlTest {};

// A line taken off its batch is kept until it is allocated again: here nothing allocates it,
// as when its process died after the commit.
TEST_P(PendingReallocationsCount, CountsTheLinesTakenOffAndNotYetAllocatedAgain) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  change_product("LAMP", "o1", [](domain::Product& lamp) {
    lamp.allocate(domain::OrderLine("o1", "LAMP", 4), kTestNow);
    lamp.allocate(domain::OrderLine("o2", "LAMP", 4), kTestNow);
  });
  EXPECT_EQ(pending_reallocations::count(*database), 0);
  units_of_work->perform([](service_layer::UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 0, kTestNow);
    uow.commit();
  });
  EXPECT_EQ(pending_reallocations::count(*database), 2);
}

INSTANTIATE_FOR_BOTH_DATABASES(PendingReallocationsCount);

}  // namespace
}  // namespace allocation::adapters::sql
