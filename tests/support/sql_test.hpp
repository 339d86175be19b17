#pragma once

#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/session.h>
#include <soci/use.h>

#include <functional>
#include <future>
#include <latch>
#include <thread>

#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/sql/postgresql/postgresql_unit_of_work.hpp"
#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_unit_of_work.hpp"
#include "support/scratch_database.hpp"
#include "support/test_time.hpp"

namespace allocation::testing {

// A test run once on SQLite and once on PostgreSQL, each with a fresh migrated database.
class SqlTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    SKIP_UNLESS_AVAILABLE(scratch);
    database = scratch.open();
    units_of_work = adapters::sql::sql_units_of_work(database, clock);
  }

  // Adds a product with batches (reference, qty, eta) in a committed unit of work.
  void add_product(
      const std::string& sku,
      std::initializer_list<std::tuple<std::string, int, std::optional<domain::Date>>> batches) {
    units_of_work->perform([&](service_layer::UnitOfWork& uow) {
      domain::Product& product = uow.products().add(domain::Product(sku));
      for (const auto& [ref, qty, eta] : batches)
        product.add_batch(domain::Batch(ref, sku, qty, eta), kTestNow);
      uow.commit();
    });
  }

  // Runs `change` on the product (loaded for `orderid`) in a committed unit of work.
  void change_product(const std::string& sku, const std::string& orderid,
                      const std::function<void(domain::Product&)>& change) {
    units_of_work->perform([&](service_layer::UnitOfWork& uow) {
      change(*uow.products().get(sku, orderid));
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

  // A batch's stored reserved_quantity, or -1 for no such batch.
  int reserved(const std::string& batchref) {
    auto lease = database->acquire();
    int n = -1;
    lease.session() << "SELECT reserved_quantity FROM batches WHERE reference = :ref",
        soci::use(batchref), soci::into(n);
    return n;
  }

  // How many rows `from` has: a table and, if wanted, its WHERE.
  long long count(const std::string& from) {
    auto lease = database->acquire();
    long long n = -1;
    lease.session() << "SELECT CAST(COUNT(*) AS BIGINT) FROM " + from, soci::into(n);
    return n;
  }

  // How many units of work wait for `product`'s turn (on SQLite, for the writer thread).
  std::size_t queued(std::string_view product) {
    if (auto* sqlite = dynamic_cast<adapters::sql::SqliteUnitsOfWork*>(units_of_work.get()))
      return sqlite->queued();
    return dynamic_cast<adapters::sql::PostgresqlUnitsOfWork&>(*units_of_work).queued(product);
  }

  // Calls start(i, inside) for i = 0 .. n-1, each to start a unit of work of `product` on a
  // thread of its own that calls `inside` in its work. The first waits there until each other
  // has queued behind it, one after the other, so that they run after it in order (in one group).
  void queue_behind_first(std::string_view product, std::size_t n,
                          const std::function<void(std::size_t, std::function<void()>)>& start) {
    // Shared: the first may still be in count_down() when this returns.
    auto first_inside = std::make_shared<std::latch>(1);
    std::promise<void> all_queued;
    start(0, [first_inside, released = all_queued.get_future().share()] {
      first_inside->count_down();
      released.wait();
    });
    first_inside->wait();
    for (std::size_t i = 1; i < n; ++i) {
      start(i, [] {});
      while (queued(product) < i) std::this_thread::yield();
    }
    all_queued.set_value();
  }

  ScratchDatabase scratch{GetParam()};
  // The time of the ledger's movements: set by the test, never the machine's.
  std::shared_ptr<adapters::RecordingClock> clock = std::make_shared<adapters::RecordingClock>();
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
