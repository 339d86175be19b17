#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/session.h>

#include <chrono>
#include <future>
#include <latch>
#include <thread>

#include "allocation/domain/errors.hpp"
#include "allocation/service_layer/errors.hpp"
#include "allocation/service_layer/handlers.hpp"
#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::UnitOfWork;
using testing::SqlTest;

class SqlUnitOfWork : public SqlTest {
 protected:
  int available(const std::string& ref) {
    int quantity = 0;
    units_of_work->perform([&](UnitOfWork& uow) {
      quantity = uow.products().get_by_batchref(ref)->batch(ref)->available_quantity();
    });
    return quantity;
  }
  // PostgreSQL: how many transactions wrote the lines of these orders (a quoted SQL list).
  long long transactions_that_wrote(const std::string& orderids) {
    auto lease = database->acquire();
    long long transactions = 0;
    lease.session() << "SELECT COUNT(DISTINCT xmin::text) FROM allocations WHERE orderid IN (" +
                           orderids + ")",
        soci::into(transactions);
    return transactions;
  }
  int version(const std::string& sku) {
    int number = 0;
    units_of_work->perform(
        [&](UnitOfWork& uow) { number = uow.products().get(sku)->version_number(); });
    return number;
  }
};

TEST_P(SqlUnitOfWork, CommitWritesTheChange) {
  add_product("HIPSTER-WORKBENCH", {{"b1", 100, std::nullopt}});
  const auto events = units_of_work->perform([](UnitOfWork& uow) {
    uow.products()
        .get("HIPSTER-WORKBENCH", "o1")
        ->allocate(OrderLine("o1", "HIPSTER-WORKBENCH", 10), kTestNow);
    uow.commit();
  });
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(available("b1"), 90);
}

TEST_P(SqlUnitOfWork, RollsBackUncommittedWorkByDefault) {
  add_product("MEDIUM-PLINTH", {{"b1", 100, std::nullopt}});
  const auto events = units_of_work->perform("MEDIUM-PLINTH", [](UnitOfWork& uow) {
    uow.products()
        .get("MEDIUM-PLINTH", "o1")
        ->allocate(OrderLine("o1", "MEDIUM-PLINTH", 10), kTestNow);
  });
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(available("b1"), 100);
}

TEST_P(SqlUnitOfWork, RollsBackOnError) {
  add_product("LARGE-FORK", {{"b1", 100, std::nullopt}});
  EXPECT_THROW(units_of_work->perform("LARGE-FORK",
                                      [](UnitOfWork& uow) {
                                        uow.products()
                                            .get("LARGE-FORK", "o1")
                                            ->allocate(OrderLine("o1", "LARGE-FORK", 10), kTestNow);
                                        throw std::runtime_error("handler failed");
                                      }),
               std::runtime_error);
  EXPECT_EQ(available("b1"), 100);
}

// PostgreSQL's units of work lease a connection of the pool at their first statement.
// (SQLite's run one at a time on the writer thread's own connection.)
TEST_P(SqlUnitOfWork, AUnitOfWorkThatReadsNothingTakesNoConnection) {
  if (GetParam() == Backend::sqlite) GTEST_SKIP() << "one writer connection, outside the pool";
  auto small = scratch.open({.pool_size = 1, .acquire_timeout = std::chrono::milliseconds(100)});
  auto small_units = sql_units_of_work(small, clock);
  std::latch idle_inside(1);
  std::promise<void> release_idle;
  auto idle = std::async(std::launch::async, [&] {
    small_units->perform([&](UnitOfWork&) {  // holds nothing
      idle_inside.count_down();
      release_idle.get_future().wait();
    });
  });
  idle_inside.wait();
  small_units->perform([&](UnitOfWork& busy) {
    EXPECT_EQ(busy.products().get("NOPE"), nullptr);     // did not wait for `idle`
    auto starved = std::async(std::launch::async, [&] {  // `busy` has the only connection
      small_units->perform([](UnitOfWork& uow) { uow.products().get("NOPE"); });
    });
    EXPECT_THROW(starved.get(), service_layer::Unavailable);
  });
  release_idle.set_value();
  idle.get();
}

// Two units of work change one product at once, the first committing first. PostgreSQL lets
// both read, and the second commit finds the version moved: a lost race, nothing written, and
// its unit of work runs again, locking the product's row, on the first one's result. SQLite runs
// one unit of work at a time (GroupCommit), so the one that runs second reads the other's result
// at once. Either way, no update is lost.
TEST_P(SqlUnitOfWork, ConcurrentChangesOfOneProductNeverLoseAnUpdate) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  const bool postgresql = GetParam() == Backend::postgresql;
  std::latch second_read(1);
  std::promise<void> first_committed;
  int second_runs = 0;
  auto second = std::async(std::launch::async, [&, committed = first_committed.get_future()] {
    units_of_work->perform([&](UnitOfWork& uow) {
      uow.products().get("LAMP", "o2")->allocate(OrderLine("o2", "LAMP", 3), kTestNow);
      if (postgresql && ++second_runs == 1) {
        second_read.count_down();
        committed.wait();
      }
      uow.commit();
    });
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("LAMP", "o1")->allocate(OrderLine("o1", "LAMP", 3), kTestNow);
    if (postgresql) second_read.wait();
    uow.commit();
  });
  first_committed.set_value();

  EXPECT_NO_THROW(second.get());
  EXPECT_EQ(available("b1"), 4);
  if (postgresql) {
    EXPECT_EQ(second_runs, 2) << "the second lost its race once";
  }
  // What lost the race wrote nothing: one line of each order, one outgoing message each.
  auto lease = database->acquire();
  int second_lines = 0, messages = 0;
  lease.session() << "SELECT COUNT(*) FROM allocations WHERE orderid = 'o2'",
      soci::into(second_lines);
  lease.session() << "SELECT COUNT(*) FROM outbox", soci::into(messages);
  EXPECT_EQ(second_lines, 1);
  EXPECT_EQ(messages, 2);
}

// Allocations of one product queued behind one another: on PostgreSQL, each one after the first
// of its group takes the product as the group left it and assumes its order has no line of it.
// Each answer must be the domain's all the same, when the order had a line (in the group, or
// from before it) and when the product seems out of stock.
TEST_P(SqlUnitOfWork, AllocationsQueuedBehindOneAnotherGetTheDomainsAnswers) {
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 2, domain::parse_date("2031-01-01")}});
  const int created = version("LAMP");
  const auto allocate = [&](std::string orderid, int qty, std::function<void()> inside) {
    std::optional<std::string> batch;
    const auto events = units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
      inside();
      batch = service_layer::handlers::allocate({orderid, "LAMP", qty}, uow, kTestNow).batchref;
    });
    return std::pair(batch, events.size());
  };
  EXPECT_EQ(allocate("before", 3, [] {}), std::pair(std::optional<std::string>("b1"), 1ul));

  struct Expected {
    std::string orderid;
    int qty;
    std::optional<std::string> batch;
    std::size_t events;
  };
  const std::vector<Expected> queued = {
      {"o1", 4, "b1", 1},           // leads the group alone, while the others queue
      {"o2", 2, "b1", 1},           // b1 has 1 left
      {"o1", 4, "b1", 0},           // a line in the group already
      {"before", 3, "b1", 0},       // a line from before, though neither batch has 3 left
      {"o3", 2, "b2", 1},           //
      {"o4", 1, "b1", 1},           // b1 full
      {"o5", 1, std::nullopt, 1}};  // out of stock
  std::vector<std::future<std::pair<std::optional<std::string>, std::size_t>>> answers;
  queue_behind_first("LAMP", queued.size(), [&](std::size_t i, std::function<void()> inside) {
    answers.push_back(
        std::async(std::launch::async, allocate, queued[i].orderid, queued[i].qty, inside));
  });
  for (std::size_t i = 0; i < queued.size(); ++i) {
    EXPECT_EQ(answers[i].get(), std::pair(queued[i].batch, queued[i].events))
        << queued[i].orderid << " (" << i << ")";
  }

  EXPECT_EQ(available("b1"), 0);
  EXPECT_EQ(available("b2"), 0);
  auto lease = database->acquire();
  int version = 0, lines = 0, messages = 0;
  lease.session() << "SELECT version_number FROM products WHERE sku = 'LAMP'", soci::into(version);
  lease.session() << "SELECT COUNT(*) FROM allocations", soci::into(lines);
  lease.session() << "SELECT COUNT(*) FROM outbox", soci::into(messages);
  EXPECT_EQ(version, created + 6);  // a version per line, and one for running out
  EXPECT_EQ(lines, 5);
  EXPECT_EQ(messages, 6);  // line_allocated for each line, out_of_stock once
  if (GetParam() == Backend::postgresql) {
    EXPECT_EQ(transactions_that_wrote("'o2', 'o3', 'o4'"), 1)
        << "the queued allocations were not one group";
  }
}

// The same order and SKU with another qty, queued behind allocations of its product: on
// PostgreSQL each such allocation comes after one that allocated in its group, so it assumes its
// order has no line, finds one when it writes (ON CONFLICT), and runs again from the stored
// product. Each must end as the domain's LineConflict, having written nothing, and leave the
// group be: never a second line, never the old batch as if it were a success.
TEST_P(SqlUnitOfWork, AnotherQtyQueuedBehindAnAllocationIsAConflictAndWritesNothing) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  const int created = version("LAMP");
  const auto allocate = [&](std::string orderid, int qty,
                            std::function<void()> inside) -> std::string {
    try {
      std::optional<std::string> batch;
      const auto events = units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
        inside();
        batch = service_layer::handlers::allocate({orderid, "LAMP", qty}, uow, kTestNow).batchref;
      });
      return batch.value_or("none") + ", " + std::to_string(events.size());
    } catch (const domain::LineConflict& error) {
      return error.what();
    }
  };
  ASSERT_EQ(allocate("before", 3, [] {}), "b1, 1");

  const std::vector<std::pair<std::string, int>> queued = {
      {"o1", 4},       // leads the group alone, while the others queue
      {"o2", 2},       // the first of the next group: reads the product
      {"before", 5},   // a line from before the group
      {"o2", 1},       // a line in the group already
      {"o3", 1},       // the group goes on
      {"before", 3}};  // the same line: retry-safe
  const std::vector<std::string> expected = {
      "b1, 1",
      "b1, 1",
      "order before already has 3 of LAMP; allocating it again must ask for the same qty",
      "order o2 already has 2 of LAMP; allocating it again must ask for the same qty",
      "b1, 1",
      "b1, 0"};
  std::vector<std::future<std::string>> answers;
  queue_behind_first("LAMP", queued.size(), [&](std::size_t i, std::function<void()> inside) {
    answers.push_back(
        std::async(std::launch::async, allocate, queued[i].first, queued[i].second, inside));
  });
  for (std::size_t i = 0; i < queued.size(); ++i) {
    EXPECT_EQ(answers[i].get(), expected[i]) << queued[i].first << " (" << i << ")";
  }

  EXPECT_EQ(available("b1"), 0);
  auto lease = database->acquire();
  int version = 0, lines = 0, units = 0, messages = 0, before = 0, o2 = 0;
  lease.session() << "SELECT version_number FROM products WHERE sku = 'LAMP'", soci::into(version);
  lease.session() << "SELECT COUNT(*), SUM(qty) FROM allocations", soci::into(lines),
      soci::into(units);
  lease.session() << "SELECT qty FROM allocations WHERE orderid = 'before'", soci::into(before);
  lease.session() << "SELECT qty FROM allocations WHERE orderid = 'o2'", soci::into(o2);
  lease.session() << "SELECT COUNT(*) FROM outbox", soci::into(messages);
  EXPECT_EQ(version, created + 4);  // a version per line, none for a conflict
  EXPECT_EQ(lines, 4);
  EXPECT_EQ(units, 10);
  EXPECT_EQ(before, 3);
  EXPECT_EQ(o2, 2);
  EXPECT_EQ(messages, 4);
  if (GetParam() == Backend::postgresql) {
    EXPECT_EQ(transactions_that_wrote("'o2', 'o3'"), 1)
        << "the queued allocations were not one group: the conflicts"
           " were not tried on an assumed product";
  }
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlUnitOfWork);

}  // namespace
}  // namespace allocation::adapters::sql
