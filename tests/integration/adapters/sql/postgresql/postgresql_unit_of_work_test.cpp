#include "allocation/adapters/sql/postgresql/postgresql_unit_of_work.hpp"

#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/session.h>
#include <soci/use.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "allocation/adapters/sql/sql_units_of_work.hpp"
#include "allocation/domain/errors.hpp"
#include "allocation/service_layer/handlers.hpp"
#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::UnitOfWork;
using testing::SqlTest;

// A unit of work that loses a race to another process runs once more, locking its product's
// row before reading it: it loses at most once, however steadily the other process changes the
// product.
class PostgresqlUnitsOfWorkTest : public SqlTest {
 protected:
  // Another process's change of the product between this unit of work's read and its write: the
  // product's version moved, on a connection of its own, unless its row is locked (NOWAIT, so
  // that nothing waits). Returns whether it went through.
  bool change_racing(const std::string& sku) {
    auto other = database->connect();
    *other << "BEGIN";
    try {
      int version = 0;
      *other << "SELECT version_number FROM products WHERE sku = :sku FOR UPDATE NOWAIT",
          soci::use(sku), soci::into(version);
    } catch (const soci::soci_error&) {
      *other << "ROLLBACK";  // lock_not_available
      return false;
    }
    *other << "UPDATE products SET version_number = version_number + 1 WHERE sku = :sku",
        soci::use(sku);
    *other << "COMMIT";
    return true;
  }

  int purchased(const std::string& batchref) {
    int quantity = -1;
    units_of_work->perform([&](UnitOfWork& uow) {
      quantity = uow.products().get_by_batchref(batchref)->batch(batchref)->purchased_quantity();
    });
    return quantity;
  }
};

// A batch's change names no product before it reads (the bus knows only its batch): it runs
// outside the product's group, and its row lock is taken by its read of the batch's product.
TEST_P(PostgresqlUnitsOfWorkTest, ABatchChangeRacedAtEveryReadLosesOnceThenLocksAndIsDone) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  std::vector<bool> raced;
  units_of_work->perform([&](UnitOfWork& uow) {
    domain::Product* product = uow.products().get_by_batchref("b1");
    raced.push_back(change_racing("LAMP"));
    product->change_batch_quantity("b1", 5, kTestNow);
    uow.commit();
  });
  EXPECT_EQ(raced, (std::vector<bool>{true, false}));
  EXPECT_EQ(purchased("b1"), 5);
}

// An allocation, in its product's group, written in one statement (allocation_statement.hpp).
TEST_P(PostgresqlUnitsOfWorkTest, AnAllocationRacedAtEveryReadLosesOnceThenLocksAndIsDone) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  std::vector<bool> raced;
  const auto events = units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
    domain::Product* product = uow.products().get("LAMP", "o1");
    raced.push_back(change_racing("LAMP"));
    product->allocate(OrderLine("o1", "LAMP", 3), kTestNow);
    uow.commit();
  });
  EXPECT_EQ(raced, (std::vector<bool>{true, false}));
  EXPECT_EQ(events.size(), 1u);
  int allocated = 0;
  units_of_work->perform([&](UnitOfWork& uow) {
    allocated = uow.products().get("LAMP")->batch("b1")->allocated_quantity();
  });
  EXPECT_EQ(allocated, 3);
}

// A hold, in its product's group, written in one statement (hold_statement.hpp): the lost
// attempt wrote nothing, neither its hold nor its movement.
TEST_P(PostgresqlUnitsOfWorkTest, AHoldRacedAtEveryReadLosesOnceThenLocksAndIsDone) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  std::vector<bool> raced;
  units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
    domain::Product* product = uow.products().get("LAMP", "", "h1");
    raced.push_back(change_racing("LAMP"));
    product->reserve("h1", 3, std::chrono::seconds(60), kTestNow);
    uow.commit();
  });
  EXPECT_EQ(raced, (std::vector<bool>{true, false}));
  EXPECT_EQ(reserved("b1"), 3);
  auto lease = database->acquire();
  int holds = 0, movements = 0;
  lease.session() << "SELECT COUNT(*) FROM reservations WHERE ended IS NULL", soci::into(holds);
  lease.session() << "SELECT COUNT(*) FROM movements WHERE reservation = 'h1'",
      soci::into(movements);
  EXPECT_EQ(holds, 1);
  EXPECT_EQ(movements, 1);
}

// The line a hold becomes, written in one statement (hold_statement.hpp): the lost attempt
// wrote nothing, and the movements are in the order of their events.
TEST_P(PostgresqlUnitsOfWorkTest, AHeldLineRacedAtEveryReadLosesOnceThenLocksAndIsDone) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  // Outside LAMP's group, which then knows neither LAMP nor h1: the held line reads them.
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("LAMP", "", "h1")->reserve("h1", 3, std::chrono::seconds(60), kTestNow);
    uow.commit();
  });
  std::vector<bool> raced;
  std::optional<std::string> batchref;
  units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
    domain::Product* product = uow.products().get("LAMP", "o1", "h1");
    raced.push_back(change_racing("LAMP"));
    batchref = product->allocate(OrderLine("o1", "LAMP", 3), "h1", kTestNow);
    uow.commit();
  });
  EXPECT_EQ(raced, (std::vector<bool>{true, false}));
  EXPECT_EQ(batchref, "b1");
  EXPECT_EQ(reserved("b1"), 0);
  auto lease = database->acquire();
  int live = -1, ended = -1, lines = -1, messages = -1;
  lease.session() << "SELECT COUNT(*) FROM reservations WHERE ended IS NULL", soci::into(live);
  lease.session() << "SELECT COUNT(*) FROM reservations WHERE ended = 'consumed'",
      soci::into(ended);
  lease.session() << "SELECT COUNT(*) FROM allocations WHERE orderid = 'o1'", soci::into(lines);
  lease.session() << "SELECT COUNT(*) FROM outbox", soci::into(messages);
  EXPECT_EQ(live, 0);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(messages, 1);  // line_allocated
  std::vector<std::string> kinds(8);
  std::vector<int> qtys(8);
  lease.session() << "SELECT kind, qty FROM movements WHERE sku = 'LAMP' AND batchref = 'b1'"
                     " AND kind <> 'received' ORDER BY seq",
      soci::into(kinds), soci::into(qtys);
  EXPECT_EQ(kinds, (std::vector<std::string>{"reserved", "unreserved", "allocated"}));
  EXPECT_EQ(qtys, (std::vector<int>{-3, 3, -3}));
}

// An id names one hold for good: a hold of the new hold's id that ends after the handler asked
// about it (made and ended by another process) fails the one-statement write, having written
// nothing, and the locking run finds it ended.
TEST_P(PostgresqlUnitsOfWorkTest, AHoldWhoseIdEndedElsewhereMeanwhileIsALostRace) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  std::vector<std::string> seen;
  units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
    domain::Product* product = uow.products().get("LAMP", "", "h9");
    const auto stored = uow.reservation("h9");
    seen.push_back(stored ? "ended" : "unused");
    if (stored) return;
    if (seen.size() == 1) {
      auto other = database->connect();
      *other << "INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s, ended)"
                " VALUES ('h9', 'LAMP', 'b1', 1, 0, 60, 'released')";
    }
    product->reserve("h9", 3, std::chrono::seconds(60), kTestNow);
    uow.commit();
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"unused", "ended"}));
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(count("reservations WHERE ended IS NULL"), 0);
}

// The same with the other process's end not yet committed when the new hold is written: the id
// is still taken, by a live hold. (With ended holds in a table of their own, the new hold's
// insert waited on the ending transaction's delete, then went in: two holds of one id.)
TEST_P(PostgresqlUnitsOfWorkTest, AHoldOfAnIdWhoseEndIsNotCommittedYetIsALostRace) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  add_product("DESK", {{"d1", 10, std::nullopt}});
  auto other = database->connect();
  std::vector<std::string> seen;
  auto desk_hold = std::async(std::launch::async, [&] {
    units_of_work->perform("DESK", [&](UnitOfWork& uow) {
      domain::Product* product = uow.products().get("DESK", "", "h9");
      const auto stored = uow.reservation("h9");
      seen.push_back(stored ? stored->sku : "unused");
      if (stored) return;
      if (seen.size() == 1) {
        *other << "INSERT INTO reservations (id, sku, batchref, qty, expires_at, ttl_s)"
                  " VALUES ('h9', 'LAMP', 'b1', 1, 0, 60)";
        *other << "BEGIN";
        *other << "UPDATE reservations SET ended = 'released' WHERE id = 'h9'";
      }
      product->reserve("h9", 3, std::chrono::seconds(60), kTestNow);
      uow.commit();
    });
  });
  // Bounded, for the failure's sake: the insert that waits on the end would wait for good.
  const bool waited = desk_hold.wait_for(std::chrono::seconds(10)) == std::future_status::timeout;
  *other << "COMMIT";
  desk_hold.get();
  EXPECT_FALSE(waited) << "the hold's write waited on the end of another hold of its id";
  EXPECT_EQ(seen, (std::vector<std::string>{"unused", "LAMP"}));
  EXPECT_EQ(reserved("d1"), 0);
  EXPECT_EQ(count("reservations WHERE id = 'h9'"), 1);
}

// The locking attempt loses no race, but its work may still fail: that failure is the caller's
// answer, nothing is written, and the row's lock ends with the transaction.
TEST_P(PostgresqlUnitsOfWorkTest, TheLockingAttemptsOwnFailureIsTheAnswerAndLeavesTheRowFree) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  int runs = 0;
  EXPECT_THROW(units_of_work->perform([&](UnitOfWork& uow) {
    ++runs;
    domain::Product* product = uow.products().get_by_batchref("b1");
    if (runs == 1) change_racing("LAMP");
    product->change_batch_quantity("b1", 5, kTestNow);
    if (runs == 2) throw std::runtime_error("the work's own failure");
    uow.commit();
  }),
               std::runtime_error);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(purchased("b1"), 10);
  EXPECT_TRUE(change_racing("LAMP")) << "the row stayed locked";
}

// An allocation in LAMP's group, as the bus runs it: the batch, "none", or "conflict".
std::string allocate(service_layer::UnitsOfWork& units, const std::string& orderid, int qty) {
  try {
    std::optional<std::string> batch;
    units.perform("LAMP", [&](UnitOfWork& uow) {
      batch = service_layer::handlers::allocate({orderid, "LAMP", qty}, uow, kTestNow).batchref;
    });
    return batch.value_or("none");
  } catch (const domain::LineConflict&) {
    return "conflict";
  }
}

// The next allocation of a product this process wrote last starts from what it wrote, without
// reading the product (KnownProducts). What another process changes since, the product or the
// warehouses' priorities, and a line the order had before, the write finds: it writes nothing,
// and the allocation runs again from the product as stored.
class KnownProductsTest : public PostgresqlUnitsOfWorkTest {
 protected:
  // Another process on the same database.
  std::shared_ptr<service_layer::UnitsOfWork> other = sql_units_of_work(scratch.open(), clock);

  // LAMP with a batch in main and one in east, known to this process by an allocation (o1, of
  // main-1); then another process ranks east first.
  void known_lamp_then_east_ranked_first() {
    units_of_work->perform([&](UnitOfWork& uow) {
      domain::Product& lamp = uow.products().add(domain::Product("LAMP"));
      lamp.add_batch(domain::Batch("main-1", "LAMP", 10, std::nullopt), kTestNow);
      lamp.add_batch(domain::Batch("east-1", "LAMP", 10, std::nullopt, {.warehouse = "east"}),
                     kTestNow);
      uow.commit();
    });
    ASSERT_EQ(allocate(*units_of_work, "o1", 1), "main-1");
    other->perform([&](UnitOfWork& uow) {
      uow.set_warehouse_priority({"east", 1});
      uow.commit();
    });
  }

  int allocated(const std::string& batchref) {
    auto lease = database->acquire();
    int n = -1;
    lease.session() << "SELECT allocated_quantity FROM batches WHERE reference = :ref",
        soci::use(batchref), soci::into(n);
    return n;
  }
};

TEST_P(KnownProductsTest, TheNextAllocationStartsFromWhatThisProcessWroteLast) {
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 10, domain::parse_date("2031-01-01")}});
  ASSERT_EQ(allocate(*units_of_work, "o1", 1), "b1");
  // Behind every process's back, a change that moves no version: only a read sees it.
  *database->connect() << "UPDATE batches SET eta = '2032-01-01' WHERE reference = 'b1'";
  EXPECT_EQ(allocate(*units_of_work, "o2", 1), "b1") << "the product was read";
  EXPECT_EQ(allocate(*other, "o3", 1), "b2") << "a read does not see b1 arriving after b2";
}

TEST_P(KnownProductsTest, AProductAnotherProcessChangedSinceIsReadAgain) {
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 10, domain::parse_date("2031-01-01")}});
  ASSERT_EQ(allocate(*units_of_work, "o1", 3), "b1");
  ASSERT_EQ(allocate(*other, "o2", 5), "b1");
  EXPECT_EQ(allocate(*units_of_work, "o3", 4), "b2") << "b1 has 2 left, not the 7 known";
  EXPECT_EQ(allocated("b1"), 8);
  EXPECT_EQ(allocated("b2"), 4);
}

TEST_P(KnownProductsTest, APriorityAnotherProcessSetRanksTheNextAllocation) {
  ASSERT_NO_FATAL_FAILURE(known_lamp_then_east_ranked_first());
  EXPECT_EQ(allocate(*units_of_work, "o2", 1), "east-1");
  EXPECT_EQ(allocated("main-1"), 1);
  EXPECT_EQ(allocated("east-1"), 1);
}

TEST_P(KnownProductsTest, AnOrderWithALineFromBeforeIsAnsweredAsStored) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  ASSERT_EQ(allocate(*units_of_work, "o1", 3), "b1");
  EXPECT_EQ(allocate(*units_of_work, "o1", 5), "conflict");
  EXPECT_EQ(allocate(*units_of_work, "o1", 3), "b1");
  EXPECT_EQ(allocated("b1"), 3);
  auto lease = database->acquire();
  int lines = 0;
  lease.session() << "SELECT COUNT(*) FROM allocations", soci::into(lines);
  EXPECT_EQ(lines, 1);
}

// A statement that fails on a product taken as known aborts the group's transaction: its error
// is the answer (the group rolls back), not a read again in that transaction.
TEST_P(KnownProductsTest, AStatementThatFailsOnAnAssumedProductIsTheAnswer) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  auto connection = database->connect();
  *connection << "CREATE FUNCTION refuse() RETURNS trigger AS $$"
                 " BEGIN RAISE EXCEPTION 'refused by a trigger'; END $$ LANGUAGE plpgsql";
  *connection << "CREATE TRIGGER refuse BEFORE INSERT ON allocations FOR EACH ROW"
                 " WHEN (NEW.orderid = 'o1') EXECUTE FUNCTION refuse()";
  std::vector<std::future<std::string>> outcomes;
  // o0 first, then a group of o1 and o2, which start from the product as o0 left it.
  queue_behind_first("LAMP", 3, [&](std::size_t i, std::function<void()> inside) {
    outcomes.push_back(std::async(std::launch::async, [this, i, inside]() -> std::string {
      try {
        std::optional<std::string> batch;
        units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
          inside();
          batch =
              service_layer::handlers::allocate({"o" + std::to_string(i), "LAMP", 1}, uow, kTestNow)
                  .batchref;
        });
        return batch.value_or("none");
      } catch (const std::exception& error) {
        return error.what();
      }
    }));
  });
  std::vector<std::string> answers;
  for (auto& outcome : outcomes) answers.push_back(outcome.get());
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0], "b1");
  EXPECT_NE(answers[1].find("refused by a trigger"), std::string::npos) << answers[1];
  EXPECT_EQ(answers[2], "b1");
  EXPECT_EQ(allocated("b1"), 2);
}

// A hold named without an order starts from the known product too, its id assumed new: the
// write finds a hold of the id, live or ended, of any product, and the hold is then answered as
// stored.
std::string reserve(service_layer::UnitsOfWork& units, const std::string& id,
                    const std::string& sku, int qty) {
  try {
    std::string outcome;
    units.perform(sku, [&](UnitOfWork& uow) {
      const auto reservation = service_layer::handlers::reserve(
          {id, sku, qty, std::chrono::seconds(60)}, uow, kTestNow, [] { return "unused"; });
      outcome = reservation.hold.batchref() + (reservation.created ? " created" : " again");
    });
    return outcome;
  } catch (const domain::HoldConflict&) {
    return "conflict";
  }
}

int holds_of(Connection connection, const std::string& id) {
  return static_cast<int>(*std::get<0>(
      connection.query<long long>("SELECT COUNT(*) FROM reservations WHERE id = :id", id).at(0)));
}

TEST_P(KnownProductsTest, TheNextHoldStartsFromWhatThisProcessWroteLast) {
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 10, domain::parse_date("2031-01-01")}});
  ASSERT_EQ(allocate(*units_of_work, "o1", 1), "b1");
  // Behind every process's back, a change that moves no version: only a read sees it.
  *database->connect() << "UPDATE batches SET eta = '2032-01-01' WHERE reference = 'b1'";
  EXPECT_EQ(reserve(*units_of_work, "h1", "LAMP", 1), "b1 created") << "the product was read";
  EXPECT_EQ(reserve(*other, "h2", "LAMP", 1), "b2 created");
}

TEST_P(KnownProductsTest, AHoldOfAnIdAlreadyMadeIsAnsweredAsStored) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  add_product("DESK", {{"d1", 10, std::nullopt}});
  ASSERT_EQ(reserve(*units_of_work, "h1", "LAMP", 2), "b1 created");
  EXPECT_EQ(reserve(*units_of_work, "h1", "LAMP", 2), "b1 again") << "the same request again";
  ASSERT_EQ(reserve(*units_of_work, "d", "DESK", 1), "d1 created");
  ASSERT_EQ(allocate(*units_of_work, "o1", 1), "b1");  // LAMP known again, not held
  EXPECT_EQ(reserve(*units_of_work, "d", "LAMP", 1), "conflict") << "a hold of DESK";
  units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
    service_layer::handlers::release_reservation({"h1"}, uow, kTestNow);
  });
  ASSERT_EQ(allocate(*units_of_work, "o2", 1), "b1");
  EXPECT_EQ(reserve(*units_of_work, "h1", "LAMP", 2), "conflict") << "h1 was released";
  auto lease = database->acquire();
  EXPECT_EQ(holds_of(lease.connection(), "h1"), 1);
  EXPECT_EQ(holds_of(lease.connection(), "d"), 1);
  EXPECT_EQ(allocated("b1"), 2);
  int reserved = -1;
  lease.session() << "SELECT reserved_quantity FROM batches WHERE reference = 'b1'",
      soci::into(reserved);
  EXPECT_EQ(reserved, 0);
}

// A hold's id that another product holds is found by the statement's own check, not by the
// unique index, whose violation would abort the group's transaction: the turns around it in its
// group commit together.
TEST_P(KnownProductsTest, AHoldOfAnIdAnotherProductHoldsLeavesItsGroupBe) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  add_product("DESK", {{"d1", 10, std::nullopt}});
  ASSERT_EQ(reserve(*units_of_work, "d", "DESK", 1), "d1 created");
  std::vector<std::future<std::string>> outcomes;
  // o0 first, then a group of o1, the hold and o2.
  queue_behind_first("LAMP", 4, [&](std::size_t i, std::function<void()> inside) {
    outcomes.push_back(std::async(std::launch::async, [this, i, inside] {
      if (i == 2) return reserve(*units_of_work, "d", "LAMP", 1);
      const std::string orderid = i == 0 ? "o0" : i == 1 ? "o1" : "o2";
      std::optional<std::string> batch;
      units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
        inside();
        batch = service_layer::handlers::allocate({orderid, "LAMP", 1}, uow, kTestNow).batchref;
      });
      return batch.value_or("none");
    }));
  });
  std::vector<std::string> answers;
  for (auto& outcome : outcomes) answers.push_back(outcome.get());
  EXPECT_EQ(answers, (std::vector<std::string>{"b1", "b1", "conflict", "b1"}));
  auto lease = database->acquire();
  long long transactions = 0;
  lease.session() << "SELECT COUNT(DISTINCT xmin::text) FROM allocations"
                     " WHERE orderid IN ('o1', 'o2')",
      soci::into(transactions);
  EXPECT_EQ(transactions, 1) << "o1 and o2 were written in one transaction";
}

TEST_P(KnownProductsTest, APriorityAnotherProcessSetRanksTheNextHold) {
  ASSERT_NO_FATAL_FAILURE(known_lamp_then_east_ranked_first());
  EXPECT_EQ(reserve(*units_of_work, "h1", "LAMP", 1), "east-1 created");
}

// An allocation with a hold this process made starts from the known product too, with the hold
// as this process wrote it (KnownHolds): the write finds the hold released or extended by
// another process, or a line the order had, and the allocation is then answered as stored.
std::string allocate_held(service_layer::UnitsOfWork& units, const std::string& orderid, int qty,
                          const std::string& hold) {
  try {
    std::optional<std::string> batch;
    units.perform("LAMP", [&](UnitOfWork& uow) {
      batch =
          service_layer::handlers::allocate({orderid, "LAMP", qty, hold}, uow, kTestNow).batchref;
    });
    return batch.value_or("none");
  } catch (const std::exception& error) {
    return error.what();
  }
}

TEST_P(KnownProductsTest, AnAllocationWithAHoldThisProcessMadeStartsFromWhatItWroteLast) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  ASSERT_EQ(reserve(*units_of_work, "h1", "LAMP", 2), "b1 created");
  // Behind every process's back, a change that moves no version: only a read sees it.
  *database->connect() << "UPDATE batches SET allocated_quantity = 1 WHERE reference = 'b1'";
  EXPECT_EQ(allocate_held(*units_of_work, "o1", 2, "h1"), "b1");
  EXPECT_EQ(allocated("b1"), 2) << "the product was read";
  auto lease = database->acquire();
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(holds_of(lease.connection(), "h1"), 1);
}

TEST_P(KnownProductsTest, AHoldReleasedElsewhereIsAnsweredAsStored) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  ASSERT_EQ(reserve(*units_of_work, "h1", "LAMP", 2), "b1 created");
  // h2 leaves b1's reserved total as it would be with h1, which another process releases.
  ASSERT_EQ(reserve(*other, "h2", "LAMP", 2), "b1 created");
  other->perform("LAMP", [&](UnitOfWork& uow) {
    service_layer::handlers::release_reservation({"h1"}, uow, kTestNow);
  });
  // LAMP known again, at its version as stored; h1 still remembered.
  ASSERT_EQ(allocate(*units_of_work, "o0", 1), "b1");
  const std::string answer = allocate_held(*units_of_work, "o1", 2, "h1");
  EXPECT_EQ(answer, allocate_held(*other, "o1", 2, "h1"));
  EXPECT_NE(answer.find("h1"), std::string::npos) << answer;
  EXPECT_EQ(allocated("b1"), 1);
  EXPECT_EQ(reserved("b1"), 2);
}

TEST_P(KnownProductsTest, AHoldExtendedElsewhereEndsAsStored) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  ASSERT_EQ(reserve(*units_of_work, "h1", "LAMP", 2), "b1 created");
  other->perform("LAMP", [&](UnitOfWork& uow) {
    service_layer::handlers::extend_reservation({"h1", std::chrono::seconds(600)}, uow, kTestNow);
  });
  ASSERT_EQ(allocate(*units_of_work, "o0", 1), "b1");
  auto lease = database->acquire();
  const auto extended = *std::get<0>(
      lease.connection()
          .query<long long>("SELECT expires_at FROM reservations WHERE id = 'h1' AND ended IS NULL")
          .at(0));
  EXPECT_EQ(allocate_held(*units_of_work, "o1", 2, "h1"), "b1");
  EXPECT_EQ(*std::get<0>(
                lease.connection()
                    .query<long long>(
                        "SELECT expires_at FROM reservations WHERE id = 'h1' AND ended IS NOT NULL")
                    .at(0)),
            extended);
  EXPECT_EQ(allocated("b1"), 3);
  EXPECT_EQ(reserved("b1"), 0);
}

TEST_P(KnownProductsTest, AnOrderWithALineFromBeforeNamingAHoldIsAnsweredAsStored) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  ASSERT_EQ(allocate(*units_of_work, "o1", 1), "b1");
  ASSERT_EQ(reserve(*units_of_work, "h1", "LAMP", 1), "b1 created");
  EXPECT_EQ(allocate_held(*units_of_work, "o1", 1, "h1"), "b1") << "the line o1 has";
  EXPECT_EQ(allocated("b1"), 1);
  auto lease = database->acquire();
  EXPECT_EQ(reserved("b1"), 0) << "h1 ends all the same, its unit free again";
  long long lines = 0;
  lease.session() << "SELECT COUNT(*) FROM allocations", soci::into(lines);
  EXPECT_EQ(lines, 1);
  std::string ended;
  lease.session() << "SELECT ended FROM reservations WHERE id = 'h1'", soci::into(ended);
  EXPECT_EQ(ended, "consumed");
}

INSTANTIATE_TEST_SUITE_P(Databases, KnownProductsTest, ::testing::Values(Backend::postgresql),
                         testing::backend_test_name);

INSTANTIATE_TEST_SUITE_P(Databases, PostgresqlUnitsOfWorkTest,
                         ::testing::Values(Backend::postgresql), testing::backend_test_name);

}  // namespace
}  // namespace allocation::adapters::sql
