#include "allocation/adapters/sql/sql_stock_ledger.hpp"

#include <gtest/gtest.h>

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

INSTANTIATE_FOR_BOTH_DATABASES(SqlStockLedgerTest);

}  // namespace
}  // namespace allocation::adapters::sql
