#include "allocation/adapters/sql/sqlite/sqlite_product_repository.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "allocation/adapters/in_memory/recording_clock.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_unit_of_work.hpp"
#include "allocation/service_layer/errors.hpp"
#include "support/scratch_database.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::Batch;
using domain::OrderLine;
using domain::Product;
using service_layer::UnitOfWork;
using testing::ScratchDatabase;

// SQLite's loads from the batches the writer knows (StoredProducts): what another connection,
// a priority or a rolled-back group changed is what the next allocation sees. Two units of work
// on one file are two processes, each with its own writer.
class SqliteProductRepositoryTest : public ::testing::Test {
 protected:
  static std::unique_ptr<SqliteUnitsOfWork> process(std::shared_ptr<Database> database) {
    return std::make_unique<SqliteUnitsOfWork>(std::move(database),
                                               std::make_shared<adapters::RecordingClock>());
  }
  // LAMP with 10 units in each warehouse, wh-a's batch added first.
  void add_lamp(SqliteUnitsOfWork& units_of_work) {
    units_of_work.perform([&](UnitOfWork& uow) {
      Product& lamp = uow.products().add(Product("LAMP"));
      lamp.add_batch(Batch("b-a", "LAMP", 10, std::nullopt, {.warehouse = "wh-a"}), kTestNow);
      lamp.add_batch(Batch("b-b", "LAMP", 10, std::nullopt, {.warehouse = "wh-b"}), kTestNow);
      uow.commit();
    });
  }
  // The batch `units_of_work` allocates the order's line of LAMP to, if any.
  static std::optional<std::string> allocate(SqliteUnitsOfWork& units_of_work,
                                             const std::string& orderid, int qty) {
    std::optional<std::string> batch;
    units_of_work.perform([&](UnitOfWork& uow) {
      batch =
          uow.products().get("LAMP", orderid)->allocate(OrderLine(orderid, "LAMP", qty), kTestNow);
      uow.commit();
    });
    return batch;
  }
  // A process whose group fails when a turn of it wrote a movement of order "doomed": the
  // group's upkeep (the ledger's index, after every group) enters it, and a trigger refuses it.
  void doom_the_group_of_order_doomed() {
    units_of_work = std::make_unique<SqliteUnitsOfWork>(
        database, std::make_shared<adapters::RecordingClock>(), /*index_backlog=*/1);
    auto lease = database->acquire();
    lease.session() << "CREATE TRIGGER doom BEFORE INSERT ON movement_index"
                       " WHEN (SELECT orderid FROM movements WHERE seq = NEW.seq) = 'doomed'"
                       " BEGIN SELECT RAISE(ABORT, 'doomed'); END";
  }
  static void set_priority(SqliteUnitsOfWork& units_of_work, const std::string& warehouse,
                           int priority) {
    units_of_work.perform([&](UnitOfWork& uow) {
      uow.set_warehouse_priority({warehouse, priority});
      uow.commit();
    });
  }

  ScratchDatabase scratch{Backend::sqlite};
  std::shared_ptr<Database> database = scratch.open();
  std::unique_ptr<SqliteUnitsOfWork> units_of_work = process(database);
};

TEST_F(SqliteProductRepositoryTest, APriorityThisProcessSetsOrdersItsNextAllocation) {
  add_lamp(*units_of_work);
  EXPECT_EQ(allocate(*units_of_work, "o1", 1), "b-a");  // the order added; LAMP now known
  set_priority(*units_of_work, "wh-b", 1);
  EXPECT_EQ(allocate(*units_of_work, "o2", 1), "b-b");
}

TEST_F(SqliteProductRepositoryTest, APriorityAnotherProcessSetsOrdersThisOnesNextAllocation) {
  add_lamp(*units_of_work);
  EXPECT_EQ(allocate(*units_of_work, "o1", 1), "b-a");
  set_priority(*process(database), "wh-b", 1);
  EXPECT_EQ(allocate(*units_of_work, "o2", 1), "b-b");
}

TEST_F(SqliteProductRepositoryTest, ABatchAnotherProcessChangedIsAllocatedAsChanged) {
  add_lamp(*units_of_work);
  EXPECT_EQ(allocate(*units_of_work, "o1", 1), "b-a");
  process(database)->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b-a")->change_batch_quantity("b-a", 1, kTestNow);
    uow.commit();
  });
  EXPECT_EQ(allocate(*units_of_work, "o2", 5), "b-b");  // b-a is full
}

TEST_F(SqliteProductRepositoryTest, ABatchAddedInAConfiguredWarehouseIsAllocatedByItsPriority) {
  add_lamp(*units_of_work);
  set_priority(*units_of_work, "wh-z", 1);
  EXPECT_EQ(allocate(*units_of_work, "o1", 1), "b-a");
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("LAMP")->add_batch(
        Batch("b-z", "LAMP", 10, std::nullopt, {.warehouse = "wh-z"}), kTestNow);
    uow.commit();
  });
  EXPECT_EQ(allocate(*units_of_work, "o2", 1), "b-z");
}

// A group whose COMMIT fails after its turns saved LAMP: the writer knew LAMP as saved, at a
// version the database never got. Here the group's upkeep fails (the ledger's index, entering
// the movement of order "doomed", which a trigger refuses).
TEST_F(SqliteProductRepositoryTest, WhatAFailedGroupSavedIsNotWhatTheNextAllocationSees) {
  doom_the_group_of_order_doomed();
  add_lamp(*units_of_work);
  EXPECT_EQ(allocate(*units_of_work, "o1", 1), "b-a");
  EXPECT_THROW(allocate(*units_of_work, "doomed", 9), service_layer::Unavailable);
  EXPECT_EQ(allocate(*units_of_work, "o2", 9), "b-a");  // the 9 units are still there
}

// A priority staged by a turn of a group that then fails: a later turn of the group read LAMP
// with it, and the writer knew LAMP so, at a version the group did not move. The next
// allocation must see the priorities the database has (found in review: it took b-b).
TEST_F(SqliteProductRepositoryTest, APriorityOfAFailedGroupIsNotWhatTheNextAllocationSees) {
  doom_the_group_of_order_doomed();
  add_lamp(*units_of_work);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().add(Product("DESK")).add_batch(Batch("d-1", "DESK", 10, std::nullopt), kTestNow);
    uow.commit();
  });
  EXPECT_EQ(allocate(*units_of_work, "o1", 1), "b-a");
  // One group: wh-b first, staged; LAMP read with it; DESK's "doomed" line fails the group.
  std::latch inside(1);
  std::thread prioritise([&] {
    EXPECT_THROW(units_of_work->perform([&](UnitOfWork& uow) {
      uow.set_warehouse_priority({"wh-b", 1});
      uow.commit();
      inside.count_down();
      while (units_of_work->queued() < 2) std::this_thread::yield();
    }),
                 service_layer::Unavailable);
  });
  inside.wait();
  std::thread read([&] {
    units_of_work->perform(
        [&](UnitOfWork& uow) { EXPECT_NE(uow.products().get("LAMP"), nullptr); });
  });
  while (units_of_work->queued() < 1) std::this_thread::yield();
  std::thread doom([&] {
    EXPECT_THROW(units_of_work->perform([&](UnitOfWork& uow) {
      uow.products().get("DESK", "doomed")->allocate(OrderLine("doomed", "DESK", 1), kTestNow);
      uow.commit();
    }),
                 service_layer::Unavailable);
  });
  prioritise.join();
  read.join();
  doom.join();
  EXPECT_EQ(allocate(*units_of_work, "o2", 1), "b-a");
}

}  // namespace
}  // namespace allocation::adapters::sql
