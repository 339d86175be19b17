#include "allocation/adapters/sql/sql_stock_ledger.hpp"

#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/session.h>

#include <functional>

#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::LedgerDifference;
using service_layer::UnitOfWork;

class SqlStockLedgerTest : public testing::SqlTest {
 protected:
  void allocate(const std::string& sku, const std::string& orderid, int qty) {
    units_of_work->perform(sku, [&](UnitOfWork& uow) {
      uow.products().get(sku, orderid)->allocate(OrderLine(orderid, sku, qty), kTestNow);
      uow.commit();
    });
  }
  void execute(const std::string& sql) {
    auto lease = database->acquire();
    lease.connection().execute(sql);
  }
};

TEST_P(SqlStockLedgerTest, PagesAProductsMovementsAfterASeq) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  add_product("DESK", {{"d1", 10, std::nullopt}});
  for (const char* order : {"o1", "o2", "o3", "o4"}) allocate("LAMP", order, 1);
  allocate("DESK", "o1", 1);
  SqlStockLedger ledger(database);

  const auto first = ledger.movements("LAMP", 0, 2).value();
  ASSERT_EQ(first.movements.size(), 2u);
  EXPECT_EQ(first.movements[0].kind, "received");
  ASSERT_TRUE(first.next);
  EXPECT_EQ(*first.next, first.movements[1].seq);

  const auto second = ledger.movements("LAMP", *first.next, 2).value();
  ASSERT_EQ(second.movements.size(), 2u);
  EXPECT_EQ(second.movements[0].orderid, "o2");
  ASSERT_TRUE(second.next);

  const auto last = ledger.movements("LAMP", *second.next, 2).value();
  ASSERT_EQ(last.movements.size(), 1u) << "only LAMP's";
  EXPECT_EQ(last.movements[0].orderid, "o4");
  EXPECT_FALSE(last.next);

  const auto exactly = ledger.movements("LAMP", 0, 5).value();
  EXPECT_EQ(exactly.movements.size(), 5u);
  EXPECT_FALSE(exactly.next) << "nothing follows a page that ends the ledger";
}

TEST_P(SqlStockLedgerTest, AnUnknownProductHasNoLedgerAndAProductWithoutStockAnEmptyOne) {
  units_of_work->perform([](UnitOfWork& uow) {
    uow.products().add(domain::Product("EMPTY"));
    uow.commit();
  });
  SqlStockLedger ledger(database);
  EXPECT_FALSE(ledger.movements("NOTHING", 0, 100));
  const auto empty = ledger.movements("EMPTY", 0, 100);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->movements.empty());
  EXPECT_FALSE(empty->next);
}

TEST_P(SqlStockLedgerTest, VerifyFindsEveryFigureTheLedgerDoesNotAccountFor) {
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 5, std::nullopt}});
  allocate("LAMP", "o1", 3);
  SqlStockLedger ledger(database);
  const auto clean = ledger.verify();
  EXPECT_TRUE(clean.differences.empty());
  EXPECT_EQ(clean.batches, 2);
  EXPECT_EQ(clean.movements, 3);

  execute("UPDATE batches SET purchased_quantity = 12 WHERE reference = 'b1'");
  execute("UPDATE batches SET allocated_quantity = 1 WHERE reference = 'b2'");
  execute("UPDATE allocations SET qty = 2 WHERE orderid = 'o1'");
  EXPECT_EQ(ledger.verify().differences,
            (std::vector<LedgerDifference>{{"b1", "purchased", 12, 10},
                                           {"b1", "allocated lines", 2, 3},
                                           {"b2", "allocated", 1, 0}}));
}

// The holds' part of verify: each batch's reserved, as stored, against its movements (reserved,
// unreserved) and against its live holds.
TEST_P(SqlStockLedgerTest, VerifyAccountsForHoldsInEveryState) {
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 10, domain::parse_date("2030-01-01")}});
  const auto change_hold = [&](const std::string& id,
                               const std::function<void(domain::Product&)>& change) {
    units_of_work->perform([&](UnitOfWork& uow) {
      change(*uow.products().get("LAMP", "o-" + id, id));
      uow.commit();
    });
  };
  const std::chrono::seconds minute(60);
  for (const char* id : {"kept", "extended", "released", "consumed", "expired", "moved"}) {
    change_hold(id, [&](domain::Product& lamp) { lamp.reserve(id, 1, minute, kTestNow); });
  }
  SqlStockLedger ledger(database);
  EXPECT_TRUE(ledger.verify().differences.empty());
  change_hold("extended",
              [&](domain::Product& lamp) { lamp.extend_hold("extended", minute * 5, kTestNow); });
  change_hold("released", [&](domain::Product& lamp) { lamp.release_hold("released", kTestNow); });
  change_hold("consumed", [&](domain::Product& lamp) {
    lamp.allocate(OrderLine("o-consumed", "LAMP", 2), "consumed", kTestNow);
  });
  // b1 down to 5 (2 allocated, 4 held): the most recent hold, moved, goes to b2.
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 5, kTestNow);
    uow.commit();
  });
  EXPECT_TRUE(ledger.verify().differences.empty());
  EXPECT_EQ(reserved("b1"), 3);
  EXPECT_EQ(reserved("b2"), 1) << "moved";
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get("LAMP")->expire_holds(kTestNow + minute), 3)
        << "kept, expired and moved";
    uow.commit();
  });
  const auto check = ledger.verify();
  EXPECT_TRUE(check.differences.empty());
  EXPECT_EQ(check.batches, 2);
  EXPECT_EQ(reserved("b1"), 1) << "extended";
  EXPECT_EQ(reserved("b2"), 0);
}

// Mutation check: a reserved total or a hold changed behind the ledger's back is reported.
TEST_P(SqlStockLedgerTest, VerifyFindsAReservedFigureTheLedgerDoesNotAccountFor) {
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 5, std::nullopt}});
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("LAMP", "", "h1")->reserve("h1", 3, std::chrono::seconds(60), kTestNow);
    uow.commit();
  });
  SqlStockLedger ledger(database);
  EXPECT_TRUE(ledger.verify().differences.empty());

  execute("UPDATE batches SET reserved_quantity = reserved_quantity + 1 WHERE reference = 'b1'");
  EXPECT_EQ(ledger.verify().differences, (std::vector<LedgerDifference>{{"b1", "reserved", 4, 3}}));
  execute("UPDATE batches SET reserved_quantity = reserved_quantity - 1 WHERE reference = 'b1'");
  EXPECT_TRUE(ledger.verify().differences.empty());

  execute("UPDATE reservations SET qty = 2 WHERE id = 'h1'");
  EXPECT_EQ(ledger.verify().differences,
            (std::vector<LedgerDifference>{{"b1", "reserved holds", 2, 3}}));
  execute("UPDATE reservations SET qty = 3, batchref = 'b2' WHERE id = 'h1'");
  EXPECT_EQ(ledger.verify().differences,
            (std::vector<LedgerDifference>{{"b1", "reserved holds", 0, 3},
                                           {"b2", "reserved holds", 3, 0}}));
  execute("UPDATE reservations SET batchref = 'b1' WHERE id = 'h1'");
  execute("DELETE FROM movements WHERE kind = 'reserved'");
  EXPECT_EQ(
      ledger.verify().differences,
      (std::vector<LedgerDifference>{{"b1", "reserved", 3, 0}, {"b1", "reserved holds", 3, 0}}));
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlStockLedgerTest);

}  // namespace
}  // namespace allocation::adapters::sql
